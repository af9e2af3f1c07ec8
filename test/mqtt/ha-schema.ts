// What Home Assistant's MQTT docs say each discovery payload must and may contain, for the
// components we publish (https://www.home-assistant.io/integrations/<component>.mqtt/).
// `allowed` catches misspelt keys, which HA would reject ("extra keys not allowed").

const COMMON = [
  "name",
  "unique_id",
  "availability",
  "availability_mode",
  "device",
  "origin",
  "icon",
  "entity_category",
  "enabled_by_default",
  "qos",
  "json_attributes_topic",
  "json_attributes_template",
  "device_class",
];

interface ComponentSchema {
  required: string[];
  allowed: string[];
  deviceClasses?: string[];
}

export const HA_SCHEMA: Record<string, ComponentSchema> = {
  sensor: {
    required: ["state_topic"],
    allowed: [...COMMON, "state_topic", "value_template", "unit_of_measurement", "state_class", "expire_after", "force_update", "suggested_display_precision"],
    deviceClasses: ["timestamp", "duration"],
  },
  binary_sensor: {
    required: ["state_topic"],
    allowed: [...COMMON, "state_topic", "value_template", "payload_on", "payload_off", "expire_after", "force_update", "off_delay"],
    deviceClasses: ["connectivity", "problem"],
  },
  button: {
    required: ["command_topic"],
    allowed: [...COMMON, "command_topic", "command_template", "payload_press", "retain"],
  },
  number: {
    required: ["command_topic"],
    allowed: [...COMMON, "command_topic", "command_template", "state_topic", "value_template", "min", "max", "step", "mode", "unit_of_measurement", "retain"],
    deviceClasses: ["duration"],
  },
  switch: {
    required: ["command_topic"],
    allowed: [...COMMON, "command_topic", "state_topic", "value_template", "payload_on", "payload_off", "state_on", "state_off", "optimistic", "retain"],
  },
  event: {
    required: ["state_topic", "event_types"],
    allowed: [...COMMON, "state_topic", "value_template", "event_types"],
  },
};

export const ENTITY_CATEGORIES = ["config", "diagnostic"];
/** https://developers.home-assistant.io/docs/core/entity/sensor#available-state-classes */
export const STATE_CLASSES = ["measurement", "total", "total_increasing"];
export const NUMBER_MODES = ["auto", "box", "slider"];
/** Units HA accepts for a duration sensor or number. */
export const DURATION_UNITS = ["d", "h", "min", "s", "ms"];
