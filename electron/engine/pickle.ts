// A small, safe reader for the pickles the original daemon wrote to its eventIdFile
// (docs/migrating.md). It understands the data opcodes of protocols 0-5 (dicts, lists,
// tuples, ints, floats, strings, bytes, None, bools, memo) and exactly two callables,
// by name: datetime.datetime (the backlog's expiry times) and _codecs.encode (how protocol
// 0-2 spell bytes). Anything else (another global, BUILD, NEWOBJ, persistent ids...) is
// refused with an error naming the opcode: nothing in the file is ever executed.

export class PickleError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PickleError';
  }
}

/** A Python datetime as written: wall-clock fields, naive unless tzinfo was pickled. */
export class PyDateTime {
  constructor(
    readonly year: number,
    readonly month: number,
    readonly day: number,
    readonly hour: number,
    readonly minute: number,
    readonly second: number,
    readonly microsecond: number,
  ) {}

  /** Epoch ms, reading the naive value as local time (as the original's datetime.now()). */
  toEpochMs(): number {
    return new Date(this.year, this.month - 1, this.day, this.hour, this.minute, this.second, Math.floor(this.microsecond / 1000)).getTime();
  }
}

/** A Python tuple (kept apart from lists: the original's state is a (lastId, backlog) tuple). */
export class PyTuple extends Array<PyValue> {}

export type PyValue = null | boolean | number | bigint | string | Uint8Array | PyValue[] | PyTuple | Map<PyValue, PyValue> | PyDateTime | PyGlobal;

/** An allowed callable, before REDUCE applies it. */
class PyGlobal {
  constructor(readonly name: 'datetime.datetime' | '_codecs.encode') {}
}

const MARK = Symbol('mark');
type Slot = PyValue | typeof MARK;

const ALLOWED_GLOBALS = new Set(['datetime.datetime', '_codecs.encode']);

export function readPickle(buf: Uint8Array): PyValue {
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  let pos = 0;
  const stack: Slot[] = [];
  const memo = new Map<number, PyValue>();
  const fail = (msg: string): never => {
    throw new PickleError(`${msg} (at byte ${pos})`);
  };
  const need = (n: number) => {
    if (pos + n > buf.length) fail('the pickle ends early');
  };
  const u8 = () => {
    need(1);
    return buf[pos++]!;
  };
  const u32 = () => {
    need(4);
    const v = view.getUint32(pos, true);
    pos += 4;
    return v;
  };
  const bytes = (n: number) => {
    need(n);
    const b = buf.subarray(pos, pos + n);
    pos += n;
    return b;
  };
  const line = () => {
    const end = buf.indexOf(0x0a, pos);
    if (end < 0) fail('a text opcode has no newline');
    const s = Buffer.from(buf.subarray(pos, end)).toString('latin1');
    pos = end + 1;
    return s;
  };
  const utf8 = (b: Uint8Array) => Buffer.from(b).toString('utf8');
  const pop = (): PyValue => {
    const v = stack.pop();
    if (v === undefined || v === MARK) fail('the pickle pops an empty stack');
    return v as PyValue;
  };
  const top = (): PyValue => {
    const v = stack[stack.length - 1];
    if (v === undefined || v === MARK) fail('the pickle needs a value on the stack');
    return v as PyValue;
  };
  const popMark = (): PyValue[] => {
    const i = stack.lastIndexOf(MARK);
    if (i < 0) fail('the pickle has no MARK');
    const items = stack.splice(i) as PyValue[];
    items.shift();
    return items;
  };
  const int = (n: bigint): number | bigint => (n >= BigInt(Number.MIN_SAFE_INTEGER) && n <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(n) : n);
  const longLE = (b: Uint8Array): number | bigint => {
    if (b.length === 0) return 0;
    let n = 0n;
    for (let i = b.length - 1; i >= 0; i--) n = (n << 8n) | BigInt(b[i]!);
    if (b[b.length - 1]! & 0x80) n -= 1n << BigInt(8 * b.length);
    return int(n);
  };
  const setItems = (d: PyValue, kv: PyValue[]) => {
    if (!(d instanceof Map)) fail('SETITEM(S) on something that is not a dict');
    for (let i = 0; i + 1 < kv.length; i += 2) (d as Map<PyValue, PyValue>).set(key(kv[i]!), kv[i + 1]!);
  };
  const append = (l: PyValue, items: PyValue[]) => {
    if (!Array.isArray(l) || l instanceof PyTuple) fail('APPEND(S) on something that is not a list');
    (l as PyValue[]).push(...items);
  };
  const global = (module: string, name: string): PyGlobal => {
    const full = `${module}.${name}`;
    if (!ALLOWED_GLOBALS.has(full)) fail(`refusing the global ${full}: only datetime.datetime is expected in the original daemon's state`);
    return new PyGlobal(full as PyGlobal['name']);
  };

  for (;;) {
    const op = u8();
    switch (op) {
      case 0x80: // PROTO
        if (u8() > 5) fail('pickle protocol above 5');
        break;
      case 0x95: // FRAME
        bytes(8);
        break;
      case 0x2e: // STOP
        return pop();
      case 0x28: // MARK
        stack.push(MARK);
        break;
      case 0x7d: // EMPTY_DICT
        stack.push(new Map());
        break;
      case 0x5d: // EMPTY_LIST
        stack.push([]);
        break;
      case 0x29: // EMPTY_TUPLE
        stack.push(PyTuple.from([]));
        break;
      case 0x64: {
        // DICT
        const d = new Map<PyValue, PyValue>();
        setItems(d, popMark());
        stack.push(d);
        break;
      }
      case 0x6c: // LIST
        stack.push(popMark());
        break;
      case 0x74: // TUPLE
        stack.push(PyTuple.from(popMark()));
        break;
      case 0x85: // TUPLE1
        stack.push(PyTuple.from([pop()]));
        break;
      case 0x86: {
        const b = pop();
        const a = pop();
        stack.push(PyTuple.from([a, b]));
        break;
      }
      case 0x87: {
        const c = pop();
        const b = pop();
        const a = pop();
        stack.push(PyTuple.from([a, b, c]));
        break;
      }
      case 0x73: {
        // SETITEM
        const v = pop();
        const k = pop();
        setItems(top(), [k, v]);
        break;
      }
      case 0x75: {
        // SETITEMS
        const kv = popMark();
        setItems(top(), kv);
        break;
      }
      case 0x61: {
        // APPEND
        const v = pop();
        append(top(), [v]);
        break;
      }
      case 0x65: {
        // APPENDS
        const items = popMark();
        append(top(), items);
        break;
      }
      case 0x4e: // NONE
        stack.push(null);
        break;
      case 0x88: // NEWTRUE
        stack.push(true);
        break;
      case 0x89: // NEWFALSE
        stack.push(false);
        break;
      case 0x4a: // BININT
        need(4);
        stack.push(view.getInt32(pos, true));
        pos += 4;
        break;
      case 0x4b: // BININT1
        stack.push(u8());
        break;
      case 0x4d: // BININT2
        need(2);
        stack.push(view.getUint16(pos, true));
        pos += 2;
        break;
      case 0x8a: // LONG1
        stack.push(longLE(bytes(u8())));
        break;
      case 0x8b: // LONG4
        stack.push(longLE(bytes(u32())));
        break;
      case 0x49: {
        // INT (text); I01/I00 are protocol 0's True/False
        const s = line().trim();
        if (s === '01') stack.push(true);
        else if (s === '00') stack.push(false);
        else if (/^[-+]?\d+$/.test(s)) stack.push(int(BigInt(s)));
        else fail(`bad INT ${JSON.stringify(s)}`);
        break;
      }
      case 0x4c: {
        // LONG (text)
        const s = line().trim().replace(/L$/, '');
        if (!/^[-+]?\d+$/.test(s)) fail(`bad LONG ${JSON.stringify(s)}`);
        stack.push(int(BigInt(s)));
        break;
      }
      case 0x47: // BINFLOAT
        need(8);
        stack.push(view.getFloat64(pos, false));
        pos += 8;
        break;
      case 0x46: {
        // FLOAT (text)
        const f = Number(line());
        if (Number.isNaN(f)) fail('bad FLOAT');
        stack.push(f);
        break;
      }
      case 0x58: // BINUNICODE
        stack.push(utf8(bytes(u32())));
        break;
      case 0x8c: // SHORT_BINUNICODE
        stack.push(utf8(bytes(u8())));
        break;
      case 0x8d: {
        // BINUNICODE8
        need(8);
        const n = Number(view.getBigUint64(pos, true));
        pos += 8;
        stack.push(utf8(bytes(n)));
        break;
      }
      case 0x56: // UNICODE (raw-unicode-escape text)
        stack.push(
          line().replace(/\\u([0-9a-fA-F]{4})|\\U([0-9a-fA-F]{8})/g, (_m, a: string, b: string) => String.fromCodePoint(parseInt(a ?? b, 16))),
        );
        break;
      case 0x53: // STRING (a quoted repr, protocol 0)
        stack.push(unquote(line(), fail));
        break;
      case 0x54: // BINSTRING
        stack.push(Buffer.from(bytes(u32())).toString('latin1'));
        break;
      case 0x55: // SHORT_BINSTRING
        stack.push(Buffer.from(bytes(u8())).toString('latin1'));
        break;
      case 0x43: // SHORT_BINBYTES
        stack.push(Uint8Array.from(bytes(u8())));
        break;
      case 0x42: // BINBYTES
        stack.push(Uint8Array.from(bytes(u32())));
        break;
      case 0x8e: {
        // BINBYTES8
        need(8);
        const n = Number(view.getBigUint64(pos, true));
        pos += 8;
        stack.push(Uint8Array.from(bytes(n)));
        break;
      }
      case 0x94: // MEMOIZE
        memo.set(memo.size, top());
        break;
      case 0x70: // PUT
        memo.set(Number(line()), top());
        break;
      case 0x71: // BINPUT
        memo.set(u8(), top());
        break;
      case 0x72: // LONG_BINPUT
        memo.set(u32(), top());
        break;
      case 0x67: // GET
      case 0x68: // BINGET
      case 0x6a: {
        // LONG_BINGET
        const i = op === 0x67 ? Number(line()) : op === 0x68 ? u8() : u32();
        if (!memo.has(i)) fail(`memo ${i} is not set`);
        stack.push(memo.get(i)!);
        break;
      }
      case 0x63: {
        // GLOBAL
        const module = line();
        stack.push(global(module, line()));
        break;
      }
      case 0x93: {
        // STACK_GLOBAL
        const name = pop();
        const module = pop();
        if (typeof module !== 'string' || typeof name !== 'string') fail('STACK_GLOBAL needs two strings');
        stack.push(global(module as string, name as string));
        break;
      }
      case 0x52: {
        // REDUCE
        const args = pop();
        const fn = pop();
        if (!(fn instanceof PyGlobal) || !(args instanceof PyTuple)) fail('REDUCE of something other than an allowed global');
        stack.push(apply(fn as PyGlobal, args as PyTuple, fail));
        break;
      }
      default:
        fail(
          `unsupported pickle opcode 0x${op.toString(16).padStart(2, '0')} (${JSON.stringify(String.fromCharCode(op))}); this is not the original daemon's cursor file`,
        );
    }
  }
}

/** Dict keys: ints, strings, None, bools are kept; anything else is refused (no hashing of lists). */
function key(k: PyValue): PyValue {
  if (k === null || typeof k === 'string' || typeof k === 'number' || typeof k === 'boolean' || typeof k === 'bigint') return k;
  throw new PickleError('a dict key that is not a number or string');
}

function apply(fn: PyGlobal, args: PyTuple, fail: (m: string) => never): PyValue {
  if (fn.name === '_codecs.encode') {
    const [s, enc] = args;
    if (typeof s !== 'string' || (enc !== 'latin1' && enc !== 'latin-1')) fail('_codecs.encode with unexpected arguments');
    return Uint8Array.from(Buffer.from(s, 'latin1'));
  }
  // datetime.datetime: (state bytes[, tzinfo]) as pickled, or the fields as ints
  const [a] = args;
  if (a instanceof Uint8Array || typeof a === 'string') {
    const b = typeof a === 'string' ? Buffer.from(a, 'latin1') : a;
    if (b.length !== 10) fail('a datetime state that is not 10 bytes');
    return new PyDateTime(b[0]! * 256 + b[1]!, b[2]! & 0x7f, b[3]!, b[4]!, b[5]!, b[6]!, (b[7]! << 16) | (b[8]! << 8) | b[9]!);
  }
  const n = args.map((x) => (typeof x === 'number' ? x : 0));
  if (args.length < 3) fail('datetime.datetime with too few arguments');
  return new PyDateTime(n[0]!, n[1]!, n[2]!, n[3] ?? 0, n[4] ?? 0, n[5] ?? 0, n[6] ?? 0);
}

function unquote(s: string, fail: (m: string) => never): string {
  const q = s[0];
  if ((q !== "'" && q !== '"') || s[s.length - 1] !== q) fail('a STRING that is not quoted');
  return s.slice(1, -1).replace(/\\(x[0-9a-fA-F]{2}|[\\'"nrt])/g, (_m, e: string) => {
    if (e[0] === 'x') return String.fromCharCode(parseInt(e.slice(1), 16));
    return ({ n: '\n', r: '\r', t: '\t' } as Record<string, string>)[e] ?? e;
  });
}
