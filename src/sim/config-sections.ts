// The configuration part of a want_config answer, shaped like the capture of a real
// Heltec V4 on 2.7.26 (../shared/data/real-radio): the same sections, in the same order.
import {
  ChannelRole,
  DeviceRole,
  HardwareModel,
  ModemPreset,
  RegionCode,
  type FromRadioInit,
} from "../protocol/messages.js";
import type { SimNodeDb } from "./nodedb.js";

export interface ConfigContext {
  db: SimNodeDb;
  firmwareVersion: string;
}

/** my_info, deviceuiConfig: what precedes our own node_info (PhoneAPI.cpp STATE_SEND_MY_INFO, _UIDATA). */
export function leadingSections(ctx: ConfigContext): FromRadioInit[] {
  const { db } = ctx;
  return [
    {
      payloadVariant: {
        case: "myInfo",
        value: {
          myNodeNum: db.own.num,
          rebootCount: 3,
          minAppVersion: 30200,
          deviceId: db.own.publicKey?.subarray(0, 16) ?? new Uint8Array(16),
          pioEnv: "keysync-sim",
          nodedbCount: db.size + 1,
        },
      },
    },
    { payloadVariant: { case: "deviceuiConfig", value: { screenBrightness: 153, screenTimeout: 30 } } },
  ];
}

/** metadata, 8 channels, config sections, module configs: what follows our own node_info. */
export function trailingSections(ctx: ConfigContext): FromRadioInit[] {
  return [metadata(ctx), ...channels(), ...configs(ctx), ...moduleConfigs()];
}

/** The file manifest (STATE_SEND_FILEMANIFEST) of a radio with default preferences. */
export function fileManifest(): FromRadioInit[] {
  const files: [string, number][] = [
    ["/prefs/channels.proto", 57],
    ["/prefs/config.proto", 177],
    ["/prefs/device.proto", 116],
    ["/prefs/module.proto", 101],
    ["/prefs/nodes.proto", 545],
  ];
  return files.map(([fileName, sizeBytes]) => ({ payloadVariant: { case: "fileInfo", value: { fileName, sizeBytes } } }));
}

function metadata(ctx: ConfigContext): FromRadioInit {
  return {
    payloadVariant: {
      case: "metadata",
      value: {
        firmwareVersion: ctx.firmwareVersion,
        deviceStateVersion: 24,
        canShutdown: true,
        hasWifi: true,
        hasBluetooth: true,
        positionFlags: 811,
        hwModel: HardwareModel.HELTEC_V4,
        hasPKC: true,
      },
    },
  };
}

function channels(): FromRadioInit[] {
  // Index 0 is the primary channel with the default key (psk 0x01); 1..7 are disabled.
  const primary: FromRadioInit = {
    payloadVariant: {
      case: "channel",
      value: { index: 0, role: ChannelRole.PRIMARY, settings: { psk: Uint8Array.of(1), moduleSettings: { positionPrecision: 13 } } },
    },
  };
  const rest: FromRadioInit[] = [];
  for (let index = 1; index < 8; index++) {
    rest.push({ payloadVariant: { case: "channel", value: { index, role: ChannelRole.DISABLED, settings: {} } } });
  }
  return [primary, ...rest];
}

function configs(ctx: ConfigContext): FromRadioInit[] {
  const own = ctx.db.own;
  const sections: FromRadioInit["payloadVariant"][] = [
    { case: "config", value: { payloadVariant: { case: "device", value: { role: DeviceRole.CLIENT, nodeInfoBroadcastSecs: 10800 } } } },
    { case: "config", value: { payloadVariant: { case: "position", value: { positionBroadcastSecs: 3600, positionBroadcastSmartEnabled: true, positionFlags: 811 } } } },
    { case: "config", value: { payloadVariant: { case: "power", value: { waitBluetoothSecs: 60, lsSecs: 300, minWakeSecs: 10 } } } },
    { case: "config", value: { payloadVariant: { case: "network", value: { ntpServer: "meshtastic.pool.ntp.org" } } } },
    { case: "config", value: { payloadVariant: { case: "display", value: { screenOnSecs: 600 } } } },
    {
      case: "config",
      value: {
        payloadVariant: {
          case: "lora",
          value: { usePreset: true, modemPreset: ModemPreset.LONG_FAST, region: RegionCode.EU_868, hopLimit: 3, txEnabled: true, txPower: 27 },
        },
      },
    },
    { case: "config", value: { payloadVariant: { case: "bluetooth", value: { enabled: true, fixedPin: 123456 } } } },
    // The security section carries the radio's private key, as a real radio's does. The
    // simulator's is fake; clients are tested never to publish or log it.
    {
      case: "config",
      value: {
        payloadVariant: {
          case: "security",
          value: { publicKey: own.publicKey ?? new Uint8Array(0), privateKey: ctx.db.ownPrivateKey, serialEnabled: true },
        },
      },
    },
    { case: "config", value: { payloadVariant: { case: "sessionkey", value: {} } } },
    { case: "config", value: { payloadVariant: { case: "deviceUi", value: {} } } },
  ];
  return sections.map((payloadVariant) => ({ payloadVariant }));
}

function moduleConfigs(): FromRadioInit[] {
  const mqtt = { address: "mqtt.meshtastic.org", username: "meshdev", password: "large4cats", encryptionEnabled: true, root: "msh/EU_868" };
  const sections: FromRadioInit["payloadVariant"][] = [
    { case: "moduleConfig", value: { payloadVariant: { case: "mqtt", value: mqtt } } },
    { case: "moduleConfig", value: { payloadVariant: { case: "serial", value: {} } } },
    { case: "moduleConfig", value: { payloadVariant: { case: "externalNotification", value: {} } } },
    { case: "moduleConfig", value: { payloadVariant: { case: "storeForward", value: {} } } },
    { case: "moduleConfig", value: { payloadVariant: { case: "rangeTest", value: {} } } },
    { case: "moduleConfig", value: { payloadVariant: { case: "telemetry", value: { deviceUpdateInterval: 1800 } } } },
    { case: "moduleConfig", value: { payloadVariant: { case: "cannedMessage", value: { enabled: true } } } },
    { case: "moduleConfig", value: { payloadVariant: { case: "audio", value: {} } } },
    { case: "moduleConfig", value: { payloadVariant: { case: "remoteHardware", value: {} } } },
    { case: "moduleConfig", value: { payloadVariant: { case: "neighborInfo", value: {} } } },
    { case: "moduleConfig", value: { payloadVariant: { case: "ambientLighting", value: {} } } },
    { case: "moduleConfig", value: { payloadVariant: { case: "detectionSensor", value: {} } } },
    { case: "moduleConfig", value: { payloadVariant: { case: "paxcounter", value: {} } } },
    // 2.7.26 walks three more module tags than it fills (the capture has three empty
    // moduleConfig frames after paxcounter): 16 in all.
    { case: "moduleConfig", value: {} },
    { case: "moduleConfig", value: {} },
    { case: "moduleConfig", value: {} },
  ];
  return sections.map((payloadVariant) => ({ payloadVariant }));
}
