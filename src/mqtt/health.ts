// What `<base>/bridge/health` reports about the MQTT connection (CONTRACT.md): the topics
// the broker refuses us, how often we had to reconnect and why the last connection ended.
// Pure bookkeeping; the client feeds it and publishes the snapshot when it changes.

export interface Denial {
  topic: string;
  reason: string;
}

export interface MqttHealthSnapshot {
  mqtt: {
    /** "5" or "3.1.1" once connected; null before. */
    protocol: "5" | "3.1.1" | null;
    /** The broker's Maximum Packet Size (MQTT 5 CONNACK); null when it announces none. */
    max_packet_size: number | null;
    denied_publish: Denial[];
    denied_subscribe: Denial[];
    /** Connections made again after a lost one, since start. */
    reconnects: number;
    last_disconnect_reason: string | null;
  };
}

/** At most this many denials of each kind are listed (every nodes/<id> may be refused). */
export const MAX_LISTED = 100;

export class MqttHealth {
  private readonly publish = new Map<string, string>();
  private readonly subscribe = new Map<string, string>();
  private connects = 0;
  private protocol: "5" | "3.1.1" | null = null;
  private maxPacketSize: number | null = null;
  private lastDisconnectReason: string | null = null;

  /** A new connection. */
  connected(protocol: 4 | 5, maxPacketSize: number | null): void {
    this.connects += 1;
    this.protocol = protocol === 5 ? "5" : "3.1.1";
    this.maxPacketSize = maxPacketSize;
  }

  disconnected(reason: string): void {
    this.lastDisconnectReason = reason;
  }

  /** True when this is news: the topic was not refused, or for another reason. */
  deniedPublish(topic: string, reason: string): boolean {
    return note(this.publish, topic, reason);
  }

  /** True when the topic had been refused before. */
  publishAccepted(topic: string): boolean {
    return this.publish.delete(topic);
  }

  deniedSubscribe(filter: string, reason: string): boolean {
    return note(this.subscribe, filter, reason);
  }

  subscribeAccepted(filter: string): boolean {
    return this.subscribe.delete(filter);
  }

  snapshot(): MqttHealthSnapshot {
    return {
      mqtt: {
        protocol: this.protocol,
        max_packet_size: this.maxPacketSize,
        denied_publish: listed(this.publish),
        denied_subscribe: listed(this.subscribe),
        reconnects: Math.max(0, this.connects - 1),
        last_disconnect_reason: this.lastDisconnectReason,
      },
    };
  }
}

function note(map: Map<string, string>, topic: string, reason: string): boolean {
  if (map.get(topic) === reason) return false;
  map.set(topic, reason);
  return true;
}

function listed(map: Map<string, string>): Denial[] {
  return [...map].slice(0, MAX_LISTED).map(([topic, reason]) => ({ topic, reason }));
}
