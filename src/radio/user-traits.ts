// The rest of each node's User as the radio reported it: hw_model, role, is_licensed,
// is_unmessagable. add_contact makes the firmware copy the contact's whole User into its
// NodeDB (NodeDB::addFromContact, TypeConversions::CopyUserToNodeInfoLite), so a contact that
// carried only names and key would reset them. macaddr is left out: deprecated, and the 2.8
// line no longer stores it at all.
//
// Packed into one small integer at the radio edge (RemoteNode.traits, KeySeen.traits): the
// directory keeps it with the node's record as an opaque number (a few bytes a node, the
// bridge's heap per node is budgeted; durable with the key, so a push after a restart still
// has it) and hands it back in Contact.traits, which the link unpacks into the contact.
/** The fields of mesh.proto's User kept here; a decoded User is one. */
export interface UserTraits {
  hwModel: number;
  role: number;
  isLicensed: boolean;
  /** Absent when the radio's User left the field unset (it is `optional` in mesh.proto). */
  isUnmessagable?: boolean;
}

const HW_BITS = 12;
const ROLE_BITS = 5;
const HW_MAX = (1 << HW_BITS) - 1;
const ROLE_MAX = (1 << ROLE_BITS) - 1;
const LICENSED = 1 << (HW_BITS + ROLE_BITS);
const HAS_UNMESSAGABLE = LICENSED << 1;
const UNMESSAGABLE = LICENSED << 2;

/**
 * The traits as one small integer (below 2^20); 0 for a User that sets none of them (a
 * contact without them says the same) or one whose enums are beyond what fits: that node's
 * contact then carries names and key alone.
 */
export function packTraits(user: UserTraits): number {
  const { hwModel, role } = user;
  if (!Number.isInteger(hwModel) || !Number.isInteger(role) || hwModel < 0 || hwModel > HW_MAX || role < 0 || role > ROLE_MAX) return 0;
  let packed = hwModel | (role << HW_BITS);
  if (user.isLicensed) packed |= LICENSED;
  if (user.isUnmessagable !== undefined) packed |= HAS_UNMESSAGABLE | (user.isUnmessagable ? UNMESSAGABLE : 0);
  return packed;
}

/** Any number comes back as some traits: bits beyond the layout are ignored. */
export function unpackTraits(packed: number): UserTraits {
  const traits: UserTraits = { hwModel: packed & HW_MAX, role: (packed >>> HW_BITS) & ROLE_MAX, isLicensed: (packed & LICENSED) !== 0 };
  if ((packed & HAS_UNMESSAGABLE) !== 0) traits.isUnmessagable = (packed & UNMESSAGABLE) !== 0;
  return traits;
}
