// The rest of each node's User as the radio last reported it in a complete dump: hw_model,
// role, is_licensed, is_unmessagable. add_contact makes the firmware copy the contact's whole
// User into its NodeDB (NodeDB::addFromContact, TypeConversions::CopyUserToNodeInfoLite), so
// a contact that carried only names and key would reset them; the link fills them in from
// here. macaddr is left out: deprecated, and the 2.8 line no longer stores it at all.
//
// One sorted Float64Array of `num * 2^20 + traits` (8 bytes per node, every value exact below
// 2^53): the table grows with every node the radio ever reported, and the bridge's heap per
// node is budgeted. Pure; the radio link feeds it each complete dump's batch.
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
const SHIFT = 2 ** 20;

/**
 * The traits as one small integer; 0 for a User that sets none of them (a contact without
 * them says the same) or one whose enums are beyond what fits: that node's contact then
 * carries names and key alone, as before this table existed.
 */
export function packTraits(user: UserTraits): number {
  const { hwModel, role } = user;
  if (!Number.isInteger(hwModel) || !Number.isInteger(role) || hwModel < 0 || hwModel > HW_MAX || role < 0 || role > ROLE_MAX) return 0;
  let packed = hwModel | (role << HW_BITS);
  if (user.isLicensed) packed |= LICENSED;
  if (user.isUnmessagable !== undefined) packed |= HAS_UNMESSAGABLE | (user.isUnmessagable ? UNMESSAGABLE : 0);
  return packed;
}

export function unpackTraits(packed: number): UserTraits {
  const traits: UserTraits = { hwModel: packed & HW_MAX, role: (packed >>> HW_BITS) & ROLE_MAX, isLicensed: (packed & LICENSED) !== 0 };
  if ((packed & HAS_UNMESSAGABLE) !== 0) traits.isUnmessagable = (packed & UNMESSAGABLE) !== 0;
  return traits;
}

/** The nodes of one dump, in arrival order; a plain array of doubles stays unboxed. */
export class TraitsBatch {
  private readonly entries: number[] = [];

  /** `user` absent (the radio holds no User for the node) forgets what was known. */
  add(num: number, user: UserTraits | undefined): void {
    this.entries.push((num >>> 0) * SHIFT + (user ? packTraits(user) : 0));
  }

  get size(): number {
    return this.entries.length;
  }

  /** Sorted by node number (a NodeDB lists each number once). */
  sorted(): Float64Array {
    return Float64Array.from(this.entries).sort();
  }
}

export class TraitsTable {
  private table = new Float64Array(0);

  /** Nodes with traits worth sending. */
  get size(): number {
    return this.table.length;
  }

  /** What the radio last reported for `num`; null when it never reported any. */
  get(num: number): UserTraits | null {
    const key = num >>> 0;
    let lo = 0;
    let hi = this.table.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const entry = this.table[mid] as number;
      const at = Math.floor(entry / SHIFT);
      if (at === key) return unpackTraits(entry - at * SHIFT);
      if (at < key) lo = mid + 1;
      else hi = mid - 1;
    }
    return null;
  }

  /**
   * A complete dump's nodes replace what was known of them; nodes it does not list (evicted,
   * or a 2.8 radio that lists none to an unauthorised client) keep their last report, which
   * is what a contact should restore when the node comes back.
   */
  merge(batch: TraitsBatch): void {
    if (batch.size === 0) return;
    const fresh = batch.sorted();
    const old = this.table;
    const out = new Float64Array(old.length + fresh.length);
    let i = 0;
    let j = 0;
    let n = 0;
    const keep = (entry: number): void => {
      if (entry % SHIFT !== 0) out[n++] = entry;
    };
    while (i < old.length || j < fresh.length) {
      const a = i < old.length ? Math.floor((old[i] as number) / SHIFT) : Infinity;
      const b = j < fresh.length ? Math.floor((fresh[j] as number) / SHIFT) : Infinity;
      if (a < b) keep(old[i++] as number);
      else if (j + 1 < fresh.length && Math.floor((fresh[j + 1] as number) / SHIFT) === b) j++;
      else {
        if (a === b) i++;
        keep(fresh[j++] as number);
      }
    }
    this.table = out.slice(0, n);
  }
}
