#!/usr/bin/env python3
"""Protobuf wire-format interop fixture for wiretest.Everything (protos/wiretest.proto).

  wire_encoding.py encode OUT   write the reference message, serialized
                                deterministically, to OUT ("-" = stdout)
  wire_encoding.py check IN     parse IN ("-" = stdin), assert it equals the
                                reference message and that deterministic
                                re-serialization reproduces IN byte for byte
  wire_encoding.py dump IN      print IN as text format plus its top-level wire layout
"""

import argparse
import contextlib
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from google.protobuf import text_format  # noqa: E402

import _common  # noqa: E402
import _protos  # noqa: E402
from _common import CheckFailed, check  # noqa: E402

wt = _protos.load_wiretest()


def build():
    """The reference wiretest.Everything value shared with the Rust side."""
    m = wt.Everything()
    m.s = "h\u00e9llo \u2713"
    m.b = bytes(range(10))
    m.flag = True
    m.i32 = -42
    m.i64 = -9000000000
    m.u32 = 4000000000
    m.u64 = 18000000000000000000
    m.f32 = 1.5
    m.f64 = -2.25
    m.s32 = -7
    m.s64 = -9000000000
    m.fx32 = 123456
    m.fx64 = 1234567890123
    m.sfx32 = -123456
    m.sfx64 = -1234567890123
    m.inner.label = "in"
    m.inner.value = 7
    m.opt_i32 = 0  # explicit presence, zero value
    m.opt_s = ""  # explicit presence, empty value
    m.rep_i32.extend([1, -2, 300000])
    m.rep_s.extend(["a", "", "c"])
    m.rep_inner.add(label="x", value=1)
    m.rep_inner.add()
    m.rep_f64.extend([0.5, -1.0])
    m.rep_s64.extend([-1, 1, -300])
    m.map_si["one"] = 1
    m.map_si["two"] = 2
    m.map_inner[5].CopyFrom(wt.Inner(label="five", value=5))
    m.map_inner[-3].CopyFrom(wt.Inner(label="neg", value=-3))
    m.color = wt.COLOR_GREEN
    m.colors.extend([wt.COLOR_RED, wt.COLOR_BLUE, wt.COLOR_UNSPECIFIED])
    m.tree.CopyFrom(
        wt.Tree(
            name="root",
            children=[wt.Tree(name="a"), wt.Tree(name="b", children=[wt.Tree(name="b1")])],
            parent=wt.Tree(name="up"),
        )
    )
    m.ts.seconds = 1700000000
    m.ts.nanos = 5
    m.dur.seconds = -3
    m.dur.nanos = -500
    m.empty.SetInParent()
    m.any.type_url = "type.googleapis.com/wiretest.Inner"
    m.any.value = wt.Inner(label="any", value=9).SerializeToString()
    m.st.update({"n": 1.5, "s": "x", "b": True, "z": None, "l": [1.0, "y"], "o": {"k": "v"}})
    m.mask.paths.extend(["a.b", "c"])
    m.bb = b"\xff\x00\xfe"
    m.opt_color = wt.COLOR_UNSPECIFIED  # explicit presence, zero value
    # opt_zero deliberately left unset
    m.zero = 0
    m.choice_inner.label = "chosen"
    m.choice_inner.value = 3
    m.far = 77
    return m


# ---------------------------------------------------------------------------
# Minimal independent wire reader (used to check map key order and to explain
# byte mismatches without trusting the protobuf runtime's own encoder).

def _varint(buf, i):
    result = shift = 0
    while True:
        if i >= len(buf):
            raise ValueError("truncated varint at offset %d" % i)
        byte = buf[i]
        i += 1
        result |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return result, i
        shift += 7
        if shift > 63:
            raise ValueError("varint too long at offset %d" % i)


def fields(buf):
    """Yield (offset, field_number, wire_type, value) for each top-level field of buf."""
    i = 0
    while i < len(buf):
        start = i
        tag, i = _varint(buf, i)
        num, wtype = tag >> 3, tag & 7
        if wtype == 0:
            val, i = _varint(buf, i)
        elif wtype == 1:
            val, i = buf[i:i + 8], i + 8
        elif wtype == 2:
            n, i = _varint(buf, i)
            val, i = buf[i:i + n], i + n
        elif wtype == 5:
            val, i = buf[i:i + 4], i + 4
        else:
            raise ValueError("unsupported wire type %d at offset %d" % (wtype, start))
        if i > len(buf):
            raise ValueError("truncated field %d at offset %d" % (num, start))
        yield start, num, wtype, val


def _to_int64(v):
    return v - (1 << 64) if v >= 1 << 63 else v


def _entry_key(entry, signed=False):
    for _, num, _, val in fields(entry):
        if num == 1:
            return _to_int64(val) if signed else val
    return 0 if signed else b""  # absent key = default value


def _check_sorted(keys, where, problems):
    if keys != sorted(keys):
        problems.append("%s map keys not sorted: %r" % (where, keys))


def _struct_keys(struct_bytes, where, problems):
    """Check google.protobuf.Struct.fields (field 1) order, recursing into values."""
    keys = []
    for _, num, _, entry in fields(struct_bytes):
        if num != 1:
            continue
        key = _entry_key(entry)
        keys.append(key)
        for _, enum_, _, value in fields(entry):
            if enum_ == 2:
                _value_keys(value, "%s.%s" % (where, key.decode("utf-8", "replace")), problems)
    _check_sorted(keys, where, problems)
    return keys


def _value_keys(value_bytes, where, problems):
    for _, num, _, val in fields(value_bytes):
        if num == 5:  # struct_value
            _struct_keys(val, where, problems)
        elif num == 6:  # list_value: repeated Value values = 1
            for idx, (_, lnum, _, item) in enumerate(fields(val)):
                if lnum == 1:
                    _value_keys(item, "%s[%d]" % (where, idx), problems)


def map_order_problems(buf):
    """Return (problems, summary) about the order of map entries in an Everything encoding."""
    problems, si, mi, st = [], [], [], []
    for _, num, _, val in fields(buf):
        if num == 24:
            si.append(_entry_key(val))
        elif num == 25:
            mi.append(_entry_key(val, signed=True))
        elif num == 33:
            st = _struct_keys(val, "st", problems)
    _check_sorted(si, "map_si", problems)
    _check_sorted(mi, "map_inner", problems)
    summary = "map_si=%s map_inner=%s st=%s" % (
        [k.decode() for k in si], mi, [k.decode() for k in st])
    return problems, summary


def layout(buf):
    """One line per top-level field: offset, number, wire type, length."""
    lines = []
    for off, num, wtype, val in fields(buf):
        size = len(val) if isinstance(val, (bytes, bytearray)) else "-"
        lines.append("  @%-4d field %-3d wire %d len %s" % (off, num, wtype, size))
    return lines


# ---------------------------------------------------------------------------

def _fmt(fd, value):
    if fd.message_type is not None:
        if fd.message_type.GetOptions().map_entry:
            return repr(dict(value)) if fd.message_type.fields_by_name["value"].message_type is None else \
                "{%s}" % ", ".join("%r: <%s>" % (k, text_format.MessageToString(v, as_one_line=True))
                                   for k, v in sorted(value.items()))
        if fd.is_repeated:
            return "[%s]" % ", ".join("<%s>" % text_format.MessageToString(v, as_one_line=True) for v in value)
        return "<%s>" % text_format.MessageToString(value, as_one_line=True)
    if fd.is_repeated:
        return repr(list(value))
    return repr(value)


def diff(got, want):
    """Field-by-field differences (presence included) between two Everything messages."""
    out = []
    for fd in want.DESCRIPTOR.fields:
        g, w = getattr(got, fd.name), getattr(want, fd.name)
        if fd.has_presence and not fd.is_repeated:
            gh, wh = got.HasField(fd.name), want.HasField(fd.name)
            if gh != wh:
                out.append("%s (#%d): presence got %s, want %s (got value %s, want %s)" % (
                    fd.name, fd.number, gh, wh, _fmt(fd, g), _fmt(fd, w)))
                continue
        if fd.message_type is not None and fd.message_type.GetOptions().map_entry:
            same = dict(g) == dict(w)
        elif fd.is_repeated:
            same = list(g) == list(w)
        else:
            same = g == w
        if not same:
            out.append("%s (#%d): got %s, want %s" % (fd.name, fd.number, _fmt(fd, g), _fmt(fd, w)))
    for oneof in want.DESCRIPTOR.oneofs:
        if len(oneof.fields) == 1 and oneof.name == "_" + oneof.fields[0].name:
            continue  # synthetic oneof of a proto3 `optional` field: presence reported above
        if got.WhichOneof(oneof.name) != want.WhichOneof(oneof.name):
            out.append("oneof %s: got %r, want %r" % (
                oneof.name, got.WhichOneof(oneof.name), want.WhichOneof(oneof.name)))
    return out


def _unknown_fields(msg):
    try:
        from google.protobuf import unknown_fields
        ufs = unknown_fields.UnknownFieldSet(msg)
        return [(f.field_number, f.wire_type) for f in ufs]
    except ImportError:  # older runtimes
        return [(f.field_number, f.wire_type) for f in msg.UnknownFields()]


def _read(path):
    if path == "-":
        return sys.stdin.buffer.read()
    with open(path, "rb") as f:
        return f.read()


def cmd_encode(args):
    if args.out == "-":  # keep stdout pure binary: status lines go to stderr
        binary_out = sys.stdout.buffer
        with contextlib.redirect_stdout(sys.stderr):
            data = _encode_checked()
        binary_out.write(data)
        binary_out.flush()
        print("ok wrote %d bytes to stdout" % len(data), file=sys.stderr, flush=True)
        return 0
    data = _encode_checked()
    with open(args.out, "wb") as f:
        f.write(data)
    print("ok wrote %d bytes to %s" % (len(data), args.out), flush=True)
    return 0


def _encode_checked():
    msg = build()
    data = msg.SerializeToString(deterministic=True)
    problems, summary = map_order_problems(data)
    check(not problems, "map keys sorted in reference encoding (%s)" % summary, "; ".join(problems))
    again = wt.Everything.FromString(data)
    check(not diff(again, msg) and again == msg, "reference encoding round-trips", "; ".join(diff(again, msg)))
    return data


def cmd_check(args):
    data = _read(args.inp)
    want = build()
    try:
        got = wt.Everything.FromString(data)
    except Exception as e:  # DecodeError and friends
        raise CheckFailed("parse %d bytes as wiretest.Everything: %s" % (len(data), e))
    print("ok parsed %d bytes" % len(data), flush=True)

    unknown = _unknown_fields(got)
    check(not unknown, "no unknown fields", "unknown (field, wire type): %r" % unknown)

    differences = diff(got, want)
    if differences or got != want:
        for line in differences or ["messages compare unequal but no field differs (unexpected)"]:
            print("diff: " + line, file=sys.stderr)
        raise CheckFailed("message differs from reference in %d field(s)" % len(differences))
    print("ok message equals reference", flush=True)

    problems, summary = map_order_problems(data)
    check(not problems, "map keys sorted in input (%s)" % summary, "; ".join(problems))

    again = got.SerializeToString(deterministic=True)
    if again != data:
        first = next((i for i, (a, b) in enumerate(zip(again, data)) if a != b), min(len(again), len(data)))
        print("input layout:", file=sys.stderr)
        print("\n".join(layout(data)), file=sys.stderr)
        print("deterministic re-serialization layout:", file=sys.stderr)
        print("\n".join(layout(again)), file=sys.stderr)
        print("input     [%d:]: %s" % (first, data[first:first + 32].hex()), file=sys.stderr)
        print("reference [%d:]: %s" % (first, again[first:first + 32].hex()), file=sys.stderr)
        raise CheckFailed("deterministic re-serialization differs from input (%d vs %d bytes, first "
                          "difference at offset %d)" % (len(again), len(data), first))
    print("ok deterministic re-serialization is byte-identical", flush=True)

    ref = want.SerializeToString(deterministic=True)
    check(ref == data, "input equals reference encoding byte for byte",
          "reference is %d bytes, input %d" % (len(ref), len(data)))
    return 0


def cmd_dump(args):
    data = _read(args.inp)
    msg = wt.Everything.FromString(data)
    print(text_format.MessageToString(msg), end="")
    print("# %d bytes, top-level layout:" % len(data))
    print("\n".join("#" + line for line in layout(data)))
    return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter,
                                 epilog="\n".join(__doc__.splitlines()[2:]))
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("encode", help="write the reference message to OUT")
    p.add_argument("out", metavar="OUT")
    p.set_defaults(func=cmd_encode)
    p = sub.add_parser("check", help="verify IN against the reference message")
    p.add_argument("inp", metavar="IN")
    p.set_defaults(func=cmd_check)
    p = sub.add_parser("dump", help="print IN as text format and wire layout")
    p.add_argument("inp", metavar="IN")
    p.set_defaults(func=cmd_dump)
    args = ap.parse_args()
    return args.func(args)


if __name__ == "__main__":
    _common.run_main(main)
