#!/usr/bin/env python3
"""Generate peekpy's per-version CPython layout table from real headers.

Two steps, so that a machine that lacks some interpreter's headers can still
rebuild the table:

  probe   compiles a small C program against one set of CPython headers; it
          prints offsetof()/sizeof()/enum values for every field peekpy reads
          and stores them as "key value" lines in scripts/layouts/NAME.txt.
  table   turns every scripts/layouts/*.txt into readers/layouts_gen.h, one
          row per (major, minor, free-threaded) plus, for 3.13+, where each
          field sits inside the interpreter's own _Py_DebugOffsets block.
  probe-asyncio
          runs scripts/probe-asyncio.py in every interpreter 3.7 - 3.13 here
          and stores what it measures in scripts/layouts/asyncio/NAME.txt
          (the _asyncio module's objects are declared in no header).
  check   regenerates the table in memory and fails if the committed header
          differs (run by `make test`).
  probe-all
          probes every header set this machine has: pyenv versions, Debian's
          /usr/include/python3.X, and the Debian sid chroot made by
          scripts/targets.sh (needs libpython3.X-dev and gcc
          installed in it; `probe-all --install` does that).

Missing members are not guessed: every field carries a version predicate and
a compile error means the predicate is wrong.  Rules that headers cannot tell
(the unit of f_lasti, the line-table format) are written down here, once,
next to the versions they belong to.
"""
import argparse
import glob
import os
import re
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
DATA = os.path.join(HERE, "layouts")
HEADER = os.path.join(ROOT, "readers", "layouts_gen.h")
TARGETS = os.environ.get("TARGETS", "/var/cache/python-targets")


def V(a, b):
    return (a, b)


# Each field: (key, C expression, predicate(version, free_threaded)).
# Keys are "group.member"; the generated C struct member is group_member.
def fields():
    f = []

    def add(key, expr, pred=lambda v, ft: True):
        f.append((key, expr, pred))

    # --- runtime (3.7+) ---
    rt = lambda v, ft: v >= V(3, 7)
    add("runtime.size", "sizeof(_PyRuntimeState)", rt)
    add("runtime.interpreters_head", "offsetof(_PyRuntimeState, interpreters.head)", rt)
    add("runtime.main_thread", "offsetof(_PyRuntimeState, main_thread)",
        lambda v, ft: v >= V(3, 8))
    add("runtime.tstate_current", "offsetof(_PyRuntimeState, gilstate.tstate_current)",
        lambda v, ft: V(3, 7) <= v <= V(3, 11))
    add("runtime.gil_locked", "offsetof(_PyRuntimeState, ceval.gil.locked)",
        lambda v, ft: V(3, 7) <= v <= V(3, 11))
    add("runtime.gil_last_holder", "offsetof(_PyRuntimeState, ceval.gil.last_holder)",
        lambda v, ft: V(3, 7) <= v <= V(3, 11))

    # --- interpreter ---
    add("interp.size", "sizeof(PyInterpreterState)")
    add("interp.next", "offsetof(PyInterpreterState, next)")
    add("interp.threads_head", "offsetof(PyInterpreterState, tstate_head)",
        lambda v, ft: v <= V(3, 10))
    add("interp.threads_head", "offsetof(PyInterpreterState, threads.head)",
        lambda v, ft: v >= V(3, 11))
    add("interp.modules", "offsetof(PyInterpreterState, modules)",
        lambda v, ft: v <= V(3, 11))
    add("interp.modules", "offsetof(PyInterpreterState, imports.modules)",
        lambda v, ft: v >= V(3, 12))
    add("interp.sysdict", "offsetof(PyInterpreterState, sysdict)")
    add("interp.gil_ptr", "offsetof(PyInterpreterState, ceval.gil)",
        lambda v, ft: v >= V(3, 12))
    add("interp.code_object_generation",
        "offsetof(PyInterpreterState, _code_object_generation)",
        lambda v, ft: v >= V(3, 14))

    # --- GIL struct (3.7+) ---
    add("gil.last_holder", "offsetof(struct _gil_runtime_state, last_holder)", rt)
    add("gil.locked", "offsetof(struct _gil_runtime_state, locked)", rt)
    add("gil.enabled", "offsetof(struct _gil_runtime_state, enabled)",
        lambda v, ft: ft and v >= V(3, 13))
    # The whole struct: a thread asleep on a futex inside it waits for the GIL.
    add("gil.size", "sizeof(struct _gil_runtime_state)", rt)
    add("runtime.gil", "offsetof(_PyRuntimeState, ceval.gil)",
        lambda v, ft: V(3, 7) <= v <= V(3, 11))

    # --- the garbage collector's state: nonzero "collecting" while it runs
    # (2.7 and 3.6 keep it in a static of gcmodule.c, found by symbol) ---
    add("runtime.gc", "offsetof(_PyRuntimeState, gc)", lambda v, ft: V(3, 7) <= v <= V(3, 8))
    add("interp.gc", "offsetof(PyInterpreterState, gc)", lambda v, ft: v >= V(3, 9))
    add("gc.collecting", "offsetof(struct _gc_runtime_state, collecting)",
        lambda v, ft: v >= V(3, 7))

    # --- thread state ---
    add("ts.size", "sizeof(PyThreadState)")
    add("ts.next", "offsetof(PyThreadState, next)")
    add("ts.interp", "offsetof(PyThreadState, interp)")
    add("ts.frame", "offsetof(PyThreadState, frame)", lambda v, ft: v <= V(3, 10))
    add("ts.cframe", "offsetof(PyThreadState, cframe)",
        lambda v, ft: V(3, 11) <= v <= V(3, 12))
    # The C-frame link a thread starts with (3.11, 3.12): its current
    # frame is NULL while no Python runs; any other link is on the C stack
    # of an evaluation that has begun, whose current frame is set a moment
    # after the link.
    add("ts.root_cframe", "offsetof(PyThreadState, root_cframe)",
        lambda v, ft: V(3, 11) <= v <= V(3, 12))
    add("ts.current_frame", "offsetof(PyThreadState, current_frame)",
        lambda v, ft: v >= V(3, 13))
    add("ts.base_frame", "offsetof(PyThreadState, base_frame)",
        lambda v, ft: v >= V(3, 15))
    add("ts.thread_id", "offsetof(PyThreadState, thread_id)")
    add("ts.native_thread_id", "offsetof(PyThreadState, native_thread_id)",
        lambda v, ft: v >= V(3, 11))
    add("ts.datastack_chunk", "offsetof(PyThreadState, datastack_chunk)",
        lambda v, ft: v >= V(3, 11))
    add("ts.datastack_top", "offsetof(PyThreadState, datastack_top)",
        lambda v, ft: v >= V(3, 11))
    add("ts.status", "offsetof(PyThreadState, _status)", lambda v, ft: v >= V(3, 12))
    add("ts.holds_gil", "offsetof(PyThreadState, holds_gil)",
        lambda v, ft: v >= V(3, 14))
    add("ts.state", "offsetof(PyThreadState, state)", lambda v, ft: v >= V(3, 13))
    add("ts.status_holds_gil_mask", "MASK(PyThreadState, _status.holds_gil, 1, _status)",
        lambda v, ft: v == V(3, 13))
    # Exceptions: one being raised (curexc_type, then current_exception),
    # and the stack of ones being handled (the thread's own until 3.6, then
    # a chain of _PyErr_StackItem through generators).
    add("ts.curexc_type", "offsetof(PyThreadState, curexc_type)", lambda v, ft: v <= V(3, 11))
    add("ts.current_exception", "offsetof(PyThreadState, current_exception)",
        lambda v, ft: v >= V(3, 12))
    add("ts.exc_type", "offsetof(PyThreadState, exc_type)", lambda v, ft: v <= V(3, 6))
    add("ts.exc_info", "offsetof(PyThreadState, exc_info)", lambda v, ft: v >= V(3, 7))
    erri = lambda v, ft: v >= V(3, 7)
    add("erritem.exc_type", "offsetof(_PyErr_StackItem, exc_type)",
        lambda v, ft: V(3, 7) <= v <= V(3, 10))
    add("erritem.exc_value", "offsetof(_PyErr_StackItem, exc_value)", erri)
    add("erritem.previous", "offsetof(_PyErr_StackItem, previous_item)", erri)

    # --- data-stack chunk (3.11+) ---
    dsc = lambda v, ft: v >= V(3, 11)
    add("chunk.previous", "offsetof(_PyStackChunk, previous)", dsc)
    add("chunk.size", "offsetof(_PyStackChunk, size)", dsc)
    add("chunk.top", "offsetof(_PyStackChunk, top)", dsc)
    add("chunk.data", "offsetof(_PyStackChunk, data)", dsc)

    # --- C frame link (3.11, 3.12) ---
    add("cframe.current_frame", "offsetof(_PyCFrame, current_frame)",
        lambda v, ft: V(3, 11) <= v <= V(3, 12))

    # --- frame object (<= 3.10) ---
    old = lambda v, ft: v <= V(3, 10)
    add("frame.back", "offsetof(PyFrameObject, f_back)", old)
    add("frame.code", "offsetof(PyFrameObject, f_code)", old)
    add("frame.lasti", "offsetof(PyFrameObject, f_lasti)", old)
    add("frame.localsplus", "offsetof(PyFrameObject, f_localsplus)", old)
    # Whether a frame object is executing (waiting in a call counts): a
    # returned, raised or suspended one is not, whatever holds it.
    add("frame.executing", "offsetof(PyFrameObject, f_executing)",
        lambda v, ft: V(3, 6) <= v <= V(3, 9))
    add("frame.executing", "offsetof(PyFrameObject, f_state)", lambda v, ft: v == V(3, 10))
    add("frame.executing_value", "1", lambda v, ft: V(3, 6) <= v <= V(3, 9))
    add("frame.executing_value", "FRAME_EXECUTING", lambda v, ft: v == V(3, 10))
    # The top of a suspended frame's value stack: what an await waits on.
    add("frame.valuestack", "offsetof(PyFrameObject, f_valuestack)", old)
    add("frame.stacktop", "offsetof(PyFrameObject, f_stacktop)", lambda v, ft: v <= V(3, 9))
    add("frame.stackdepth", "offsetof(PyFrameObject, f_stackdepth)", lambda v, ft: v == V(3, 10))

    # --- interpreter frame (3.11+) ---
    new = lambda v, ft: v >= V(3, 11)
    add("iframe.size", "sizeof(_PyInterpreterFrame)", new)
    add("iframe.code", "offsetof(_PyInterpreterFrame, f_code)",
        lambda v, ft: V(3, 11) <= v <= V(3, 12))
    add("iframe.code", "offsetof(_PyInterpreterFrame, f_executable)",
        lambda v, ft: v >= V(3, 13))
    add("iframe.previous", "offsetof(_PyInterpreterFrame, previous)", new)
    add("iframe.instr", "offsetof(_PyInterpreterFrame, prev_instr)",
        lambda v, ft: V(3, 11) <= v <= V(3, 12))
    add("iframe.instr", "offsetof(_PyInterpreterFrame, instr_ptr)",
        lambda v, ft: v >= V(3, 13))
    add("iframe.owner", "offsetof(_PyInterpreterFrame, owner)", new)
    add("iframe.is_entry", "offsetof(_PyInterpreterFrame, is_entry)",
        lambda v, ft: v == V(3, 11))
    add("iframe.localsplus", "offsetof(_PyInterpreterFrame, localsplus)", new)
    add("iframe.stacktop", "offsetof(_PyInterpreterFrame, stacktop)",
        lambda v, ft: V(3, 11) <= v <= V(3, 13))
    # A suspended frame's stack top (3.14+): a coroutine waiting in
    # "await" holds what it awaits there (asyncio task chains).
    add("iframe.stackpointer", "offsetof(_PyInterpreterFrame, stackpointer)",
        lambda v, ft: v >= V(3, 14))
    add("iframe.tlbc_index", "offsetof(_PyInterpreterFrame, tlbc_index)",
        lambda v, ft: ft and v >= V(3, 14))
    # The first owner value that is not a Python function frame.
    add("iframe.owner_entry", "FRAME_OWNED_BY_CSTACK",
        lambda v, ft: V(3, 12) <= v <= V(3, 13))
    add("iframe.owner_entry", "FRAME_OWNED_BY_INTERPRETER", lambda v, ft: v >= V(3, 14))
    add("iframe.owner_thread", "FRAME_OWNED_BY_THREAD", new)
    add("iframe.owner_generator", "FRAME_OWNED_BY_GENERATOR", new)
    add("stackref.tag_bits", "Py_TAG_BITS", lambda v, ft: v >= V(3, 14))

    # --- code object ---
    add("code.size", "sizeof(PyCodeObject)")
    add("code.argcount", "offsetof(PyCodeObject, co_argcount)")
    add("code.flags", "offsetof(PyCodeObject, co_flags)")
    add("code.firstlineno", "offsetof(PyCodeObject, co_firstlineno)")
    add("code.filename", "offsetof(PyCodeObject, co_filename)")
    add("code.name", "offsetof(PyCodeObject, co_name)")
    add("code.qualname", "offsetof(PyCodeObject, co_qualname)", new)
    add("code.code", "offsetof(PyCodeObject, co_code)", old)
    add("code.zombieframe", "offsetof(PyCodeObject, co_zombieframe)", old)
    add("code.varnames", "offsetof(PyCodeObject, co_varnames)", old)
    add("code.localsplusnames", "offsetof(PyCodeObject, co_localsplusnames)", new)
    add("code.linetable", "offsetof(PyCodeObject, co_lnotab)",
        lambda v, ft: v <= V(3, 9))
    add("code.linetable", "offsetof(PyCodeObject, co_linetable)",
        lambda v, ft: v >= V(3, 10))
    add("code.adaptive", "offsetof(PyCodeObject, co_code_adaptive)", new)
    add("code.firsttraceable", "offsetof(PyCodeObject, _co_firsttraceable)", new)
    add("code.tlbc", "offsetof(PyCodeObject, co_tlbc)", lambda v, ft: ft and v >= V(3, 14))
    # Words a frame of this code takes on the data stack: co_framesize
    # (3.12+), or in 3.11 co_nlocalsplus + co_stacksize + FRAME_SPECIALS_SIZE.
    add("code.framesize", "offsetof(PyCodeObject, co_framesize)", lambda v, ft: v >= V(3, 12))
    add("code.nlocalsplus", "offsetof(PyCodeObject, co_nlocalsplus)", lambda v, ft: v == V(3, 11))
    add("code.stacksize", "offsetof(PyCodeObject, co_stacksize)", lambda v, ft: v == V(3, 11))
    add("iframe.specials", "FRAME_SPECIALS_SIZE", lambda v, ft: v == V(3, 11))

    # --- opcodes after which a frame has left its thread's stack: it
    # returned, yielded, or became a generator.  A frame found at one of
    # these in a copy has (almost always) already been popped. ---
    add("op.return_value", "RETURN_VALUE")
    add("op.yield_value", "YIELD_VALUE")
    add("op.return_generator", "RETURN_GENERATOR", new)
    add("op.return_const", "RETURN_CONST", lambda v, ft: V(3, 12) <= v <= V(3, 13))
    add("op.instrumented_return_value", "INSTRUMENTED_RETURN_VALUE",
        lambda v, ft: v >= V(3, 12))
    add("op.instrumented_return_const", "INSTRUMENTED_RETURN_CONST",
        lambda v, ft: V(3, 12) <= v <= V(3, 13))
    add("op.instrumented_yield_value", "INSTRUMENTED_YIELD_VALUE",
        lambda v, ft: v >= V(3, 12))
    # Loops' jumps back, which 3.10 and 3.11 often give no line of their
    # own (3.12+ give them the loop's): a frame parked there is shown at the
    # line of the loop, the jump's target.  3.10 jumps to an absolute
    # offset, 3.11 back by its argument from the next instruction; either
    # may carry EXTENDED_ARG prefixes.
    add("op.jump_absolute", "JUMP_ABSOLUTE", lambda v, ft: v == V(3, 10))
    add("op.jump_backward", "JUMP_BACKWARD", lambda v, ft: v == V(3, 11))
    add("op.jump_backward_quick", "JUMP_BACKWARD_QUICK", lambda v, ft: v == V(3, 11))
    add("op.jump_backward_no_interrupt", "JUMP_BACKWARD_NO_INTERRUPT",
        lambda v, ft: v == V(3, 11))
    add("op.extended_arg", "EXTENDED_ARG", lambda v, ft: V(3, 10) <= v <= V(3, 11))
    add("op.extended_arg_quick", "EXTENDED_ARG_QUICK", lambda v, ft: v == V(3, 11))
    # 3.13+: the first (and only real) instruction of the shim frame the
    # interpreter pushes between a caller and a specialized __init__ call
    # (its code object is _Py_InitCleanup): a frame of no function.
    add("op.exit_init_check", "EXIT_INIT_CHECK", lambda v, ft: v >= V(3, 13))
    # <= 3.10: opcodes a frame waits at while a function it called runs
    # (3.11+ say so in the frame: see rule.stacktop_reset).
    add("op.call_function", "CALL_FUNCTION", old)
    add("op.call_function_kw", "CALL_FUNCTION_KW", old)
    add("op.call_function_ex", "CALL_FUNCTION_EX", lambda v, ft: V(3, 6) <= v <= V(3, 10))
    add("op.call_method", "CALL_METHOD", lambda v, ft: V(3, 7) <= v <= V(3, 10))
    add("op.call_function_var", "CALL_FUNCTION_VAR", lambda v, ft: v[0] == 2)
    add("op.call_function_var_kw", "CALL_FUNCTION_VAR_KW", lambda v, ft: v[0] == 2)

    # --- objects ---
    add("obj.type", "offsetof(PyObject, ob_type)")
    add("obj.size", "offsetof(PyVarObject, ob_size)")
    add("type.name", "offsetof(PyTypeObject, tp_name)")
    add("type.flags", "offsetof(PyTypeObject, tp_flags)")
    add("tuple.item", "offsetof(PyTupleObject, ob_item)")
    add("list.item", "offsetof(PyListObject, ob_item)")
    add("float.value", "offsetof(PyFloatObject, ob_fval)")

    # --- what reading values needs (thread names, dump --locals) ---
    py3 = lambda v, ft: v[0] == 3
    add("type.basicsize", "offsetof(PyTypeObject, tp_basicsize)")
    add("type.dictoffset", "offsetof(PyTypeObject, tp_dictoffset)")
    add("type.flag_heaptype", "Py_TPFLAGS_HEAPTYPE")
    add("type.flag_managed_dict", "Py_TPFLAGS_MANAGED_DICT", new)
    add("type.flag_inline_values", "Py_TPFLAGS_INLINE_VALUES", lambda v, ft: v >= V(3, 13))
    add("heaptype.cached_keys", "offsetof(PyHeapTypeObject, ht_cached_keys)", new)
    # Where a managed instance dict lives: so many bytes before the object
    # (3.11, 3.13+); 3.11 keeps its split values pointer further back; 3.12
    # shares one slot for either, a values pointer tagged with its low bit
    # (_PyObject_DictOrValuesPointer, a static inline with no macro).
    add("obj.managed_dict_before", "-(long)(MANAGED_DICT_OFFSET)",
        lambda v, ft: v == V(3, 11) or v >= V(3, 13))
    add("obj.managed_values_before", "4 * sizeof(PyObject *)", lambda v, ft: v == V(3, 11))
    add("obj.dict_or_values_before", "3 * sizeof(PyObject *)", lambda v, ft: v == V(3, 12))
    # A module's dict follows its object header in every version (the
    # struct is private before 3.10).
    add("module.dict", "sizeof(PyObject)")
    add("dict.used", "offsetof(PyDictObject, ma_used)")
    add("dict.keys", "offsetof(PyDictObject, ma_keys)", py3)
    add("dict.values", "offsetof(PyDictObject, ma_values)", py3)
    add("dict27.mask", "offsetof(PyDictObject, ma_mask)", lambda v, ft: v[0] == 2)
    add("dict27.table", "offsetof(PyDictObject, ma_table)", lambda v, ft: v[0] == 2)
    # Dict keys: 3.6 - 3.10 keep the struct in Objects/dict-common.h, which
    # is not installed, so its offsets are written down here (dk_refcnt,
    # dk_size, dk_lookup, dk_usable, dk_nentries, then the indices; entries
    # of hash, key, value).
    dk_old = lambda v, ft: V(3, 6) <= v <= V(3, 10)
    add("keys.size", "8", dk_old)
    add("keys.nentries", "32", dk_old)
    add("keys.indices", "40", dk_old)
    add("entry.size", "24", dk_old)
    add("entry.key", "8", dk_old)
    add("entry.value", "16", dk_old)
    add("entry.size", "sizeof(PyDictEntry)", lambda v, ft: v[0] == 2)
    add("entry.key", "offsetof(PyDictEntry, me_key)", lambda v, ft: v[0] == 2)
    add("entry.value", "offsetof(PyDictEntry, me_value)", lambda v, ft: v[0] == 2)
    add("keys.log2_size", "offsetof(PyDictKeysObject, dk_log2_size)", new)
    add("keys.log2_index_bytes", "offsetof(PyDictKeysObject, dk_log2_index_bytes)", new)
    add("keys.kind", "offsetof(PyDictKeysObject, dk_kind)", new)
    add("keys.kind_general", "DICT_KEYS_GENERAL", new)
    add("keys.nentries", "offsetof(PyDictKeysObject, dk_nentries)", new)
    add("keys.indices", "offsetof(PyDictKeysObject, dk_indices)", new)
    add("entry.size", "sizeof(PyDictKeyEntry)", new)
    add("entry.key", "offsetof(PyDictKeyEntry, me_key)", new)
    add("entry.value", "offsetof(PyDictKeyEntry, me_value)", new)
    add("uentry.size", "sizeof(PyDictUnicodeEntry)", new)
    add("uentry.key", "offsetof(PyDictUnicodeEntry, me_key)", new)
    add("uentry.value", "offsetof(PyDictUnicodeEntry, me_value)", new)
    add("values.items", "offsetof(PyDictValues, values)", new)
    add("values.valid", "offsetof(PyDictValues, valid)", lambda v, ft: v >= V(3, 13))
    add("values.capacity", "offsetof(PyDictValues, capacity)", lambda v, ft: v >= V(3, 13))
    # Integers: 2.7's machine int, and arbitrary-precision digits (a signed
    # ob_size up to 3.11, a tag of count and sign from 3.12).
    add("int27.value", "offsetof(PyIntObject, ob_ival)", lambda v, ft: v[0] == 2)
    add("long.digits", "offsetof(PyLongObject, ob_digit)", lambda v, ft: v <= V(3, 11))
    add("long.digits", "offsetof(PyLongObject, long_value.ob_digit)", lambda v, ft: v >= V(3, 12))
    add("long.shift", "PyLong_SHIFT")
    add("long.tag", "offsetof(PyLongObject, long_value.lv_tag)", lambda v, ft: v >= V(3, 12))
    add("long.non_size_bits", "_PyLong_NON_SIZE_BITS", lambda v, ft: v >= V(3, 12))
    add("long.sign_mask", "SIGN_MASK", lambda v, ft: v >= V(3, 12))
    add("long.sign_negative", "SIGN_NEGATIVE", lambda v, ft: v >= V(3, 12))
    add("cell.ref", "offsetof(PyCellObject, ob_ref)")
    # A frame's variables: names and kinds from the code object.
    add("code.kwonlyargcount", "offsetof(PyCodeObject, co_kwonlyargcount)", py3)
    add("code.nlocals", "offsetof(PyCodeObject, co_nlocals)", old)
    add("code.cellvars", "offsetof(PyCodeObject, co_cellvars)", old)
    add("code.freevars", "offsetof(PyCodeObject, co_freevars)", old)
    add("code.localspluskinds", "offsetof(PyCodeObject, co_localspluskinds)", new)
    add("codeflag.varargs", "CO_VARARGS")
    # Code whose frames only run when something resumes them: such a frame
    # is never the oldest of a thread's chain (see stackwalk.c).
    add("codeflag.generator", "CO_GENERATOR")
    add("codeflag.coroutine", "CO_COROUTINE", lambda v, ft: v >= V(3, 5))
    add("codeflag.async_generator", "CO_ASYNC_GENERATOR", lambda v, ft: v >= V(3, 6))
    add("codeflag.varkeywords", "CO_VARKEYWORDS")
    add("fast.hidden", "CO_FAST_HIDDEN", lambda v, ft: v >= V(3, 12))

    # --- strings ---
    py2 = lambda v, ft: v[0] == 2
    add("bytes27.sval", "offsetof(PyStringObject, ob_sval)", py2)
    add("bytes.sval", "offsetof(PyBytesObject, ob_sval)", py3)
    add("unicode.length", "offsetof(PyASCIIObject, length)", py3)
    add("unicode.state", "offsetof(PyASCIIObject, state)", py3)
    add("unicode.ascii_data", "sizeof(PyASCIIObject)", py3)
    add("unicode.compact_data", "sizeof(PyCompactUnicodeObject)", py3)
    add("unicode.legacy_data", "offsetof(PyUnicodeObject, data)", py3)
    add("unicode.kind_mask", "MASK(PyASCIIObject, state.kind, 7, state)", py3)
    add("unicode.compact_mask", "MASK(PyASCIIObject, state.compact, 1, state)", py3)
    add("unicode.ascii_mask", "MASK(PyASCIIObject, state.ascii, 1, state)", py3)
    add("unicode27.length", "offsetof(PyUnicodeObject, length)", py2)
    add("unicode27.str", "offsetof(PyUnicodeObject, str)", py2)
    add("unicode27.char_size", "sizeof(Py_UNICODE)", py2)

    # --- generators (asyncio-aware stacks later) ---
    add("gen.iframe", "offsetof(PyGenObject, gi_iframe)", new)
    add("gen.frame_state", "offsetof(PyGenObject, gi_frame_state)", new)
    add("gen.frame", "offsetof(PyGenObject, gi_frame)", old)
    add("gen.suspended_yield_from", "FRAME_SUSPENDED_YIELD_FROM", lambda v, ft: v >= V(3, 13))
    add("gen.suspended", "FRAME_SUSPENDED", new)
    # Sets: a task awaited by several tasks keeps them in one (3.14+).
    add("set.used", "offsetof(PySetObject, used)", py3)
    add("set.mask", "offsetof(PySetObject, mask)", py3)
    add("set.table", "offsetof(PySetObject, table)", py3)
    add("setentry.size", "sizeof(setentry)", py3)
    # What asyncio's done-callbacks hold before 3.14, followed to the task
    # they wake (the _asyncio objects themselves are probed live: their
    # structures are in no header; see cmd_probe_asyncio).
    add("type.base", "offsetof(PyTypeObject, tp_base)")
    add("func.closure", "offsetof(PyFunctionObject, func_closure)")
    add("method.self", "offsetof(PyMethodObject, im_self)")
    add("cfunc.self", "offsetof(PyCFunctionObject, m_self)")
    add("weakref.object", "offsetof(PyWeakReference, wr_object)")

    # --- where each field sits in _Py_DebugOffsets (3.13+) ---
    dbg = lambda lo: (lambda v, ft: v >= lo)
    for key, member, lo in DEBUG_FIELDS:
        add("dbg." + key, "offsetof(_Py_DebugOffsets, %s)" % member, dbg(lo))
    add("dbg.sizeof", "sizeof(_Py_DebugOffsets)", dbg(V(3, 13)))
    return f


# (layout key it overrides, _Py_DebugOffsets member, first version having it)
DEBUG_FIELDS = [
    ("runtime.size", "runtime_state.size", V(3, 13)),
    ("runtime.interpreters_head", "runtime_state.interpreters_head", V(3, 13)),
    ("interp.size", "interpreter_state.size", V(3, 13)),
    ("interp.next", "interpreter_state.next", V(3, 13)),
    ("interp.threads_head", "interpreter_state.threads_head", V(3, 13)),
    ("interp.modules", "interpreter_state.imports_modules", V(3, 13)),
    ("interp.sysdict", "interpreter_state.sysdict", V(3, 13)),
    ("interp.gil_ptr", "interpreter_state.ceval_gil", V(3, 13)),
    ("interp.code_object_generation", "interpreter_state.code_object_generation", V(3, 14)),
    ("interp.gc", "interpreter_state.gc", V(3, 13)),
    ("gc.collecting", "gc.collecting", V(3, 13)),
    ("ts.size", "thread_state.size", V(3, 13)),
    ("ts.next", "thread_state.next", V(3, 13)),
    ("ts.interp", "thread_state.interp", V(3, 13)),
    ("ts.current_frame", "thread_state.current_frame", V(3, 13)),
    ("ts.base_frame", "thread_state.base_frame", V(3, 15)),
    ("ts.thread_id", "thread_state.thread_id", V(3, 13)),
    ("ts.native_thread_id", "thread_state.native_thread_id", V(3, 13)),
    ("ts.datastack_chunk", "thread_state.datastack_chunk", V(3, 13)),
    ("ts.status", "thread_state.status", V(3, 13)),
    ("ts.holds_gil", "thread_state.holds_gil", V(3, 15)),
    ("ts.current_exception", "thread_state.current_exception", V(3, 15)),
    ("iframe.size", "interpreter_frame.size", V(3, 13)),
    ("iframe.previous", "interpreter_frame.previous", V(3, 13)),
    ("iframe.code", "interpreter_frame.executable", V(3, 13)),
    ("iframe.instr", "interpreter_frame.instr_ptr", V(3, 13)),
    ("iframe.localsplus", "interpreter_frame.localsplus", V(3, 13)),
    ("iframe.owner", "interpreter_frame.owner", V(3, 13)),
    ("iframe.tlbc_index", "interpreter_frame.tlbc_index", V(3, 14)),
    ("code.size", "code_object.size", V(3, 13)),
    ("code.filename", "code_object.filename", V(3, 13)),
    ("code.name", "code_object.name", V(3, 13)),
    ("code.qualname", "code_object.qualname", V(3, 13)),
    ("code.linetable", "code_object.linetable", V(3, 13)),
    ("code.firstlineno", "code_object.firstlineno", V(3, 13)),
    ("code.argcount", "code_object.argcount", V(3, 13)),
    ("code.localsplusnames", "code_object.localsplusnames", V(3, 13)),
    ("code.adaptive", "code_object.co_code_adaptive", V(3, 13)),
    ("code.tlbc", "code_object.co_tlbc", V(3, 14)),
    ("obj.type", "pyobject.ob_type", V(3, 13)),
    ("type.name", "type_object.tp_name", V(3, 13)),
    ("type.flags", "type_object.tp_flags", V(3, 13)),
    ("tuple.item", "tuple_object.ob_item", V(3, 13)),
    ("obj.size", "tuple_object.ob_size", V(3, 13)),
    ("list.item", "list_object.ob_item", V(3, 13)),
    ("float.value", "float_object.ob_fval", V(3, 13)),
    ("bytes.sval", "bytes_object.ob_sval", V(3, 13)),
    ("unicode.length", "unicode_object.length", V(3, 13)),
    ("unicode.state", "unicode_object.state", V(3, 13)),
    ("unicode.ascii_data", "unicode_object.asciiobject_size", V(3, 13)),
    ("unicode.compact_data", "unicode_object.compactunicodeobject_size", V(3, 15)),
    ("gen.iframe", "gen_object.gi_iframe", V(3, 14)),
    ("gen.frame_state", "gen_object.gi_frame_state", V(3, 14)),
]

# Rules no header states; kept here, beside the versions they describe.
def rules(v):
    r = {}
    # Instruction position: byte offset (<=3.9), code units (3.10), pointer (3.11+).
    r["rule.lasti"] = 0 if v <= V(3, 9) else (1 if v == V(3, 10) else 2)
    # Line table: lnotab with unsigned (2.7) or signed (3.6-3.9) line deltas,
    # the 3.10 range table, the 3.11+ location table.
    if v[0] == 2:
        r["rule.linetable"] = 0
    elif v <= V(3, 9):
        r["rule.linetable"] = 1
    elif v == V(3, 10):
        r["rule.linetable"] = 2
    else:
        r["rule.linetable"] = 3
    # Names and file names: PyStringObject (2.7) or PEP 393 str.
    r["rule.strings"] = 0 if v[0] == 2 else 1
    # 3.11 to 3.13 set a frame's stacktop to -1 whenever it resumes
    # executing (3.11's SET_LOCALS_FROM_FRAME, then _PyFrame_GetStackPointer),
    # in release builds too: a frame suspended in an inline call has
    # stacktop >= 0, a running one -1.  3.14+ reset their stackpointer only
    # in debug builds.
    r["rule.stacktop_reset"] = 1 if V(3, 11) <= v <= V(3, 13) else 0
    # 3.14+ clear a frame's f_executable when they pop it from the data
    # stack (clear_thread_frame), whether it returned or raised: a frame
    # slot whose code is NULL holds no live frame.
    r["rule.popped_code_null"] = 1 if v >= V(3, 14) else 0
    # Whether an object's reference count fills the word before its type
    # (<= 3.13 with a GIL): then freed memory, whose allocator writes a
    # free-list link there, can be told from a live object.  3.14 keeps
    # flags in the word's high bits; free-threaded builds count elsewhere
    # (readers also test the row's free_threaded).
    r["rule.refcount_word"] = 1 if v <= V(3, 13) else 0
    # Whether inline_call_caches lists the opcodes a waiting caller sits at.
    r["rule.inline_calls"] = 1 if v in INLINE_CALL_FAMILIES else 0
    # Where a caller waiting in a call keeps its position: on the call's
    # opcode (3.13+), or on its last inline cache entry (3.11, 3.12).  The
    # cache entries of other instructions hold counters whose low byte can
    # be any opcode's (3.15's 160 is a call's), so only the positions a
    # caller can be at may count.
    r["rule.call_at_opcode"] = 1 if v >= V(3, 13) else 0
    return r


# Headers to include, by the first version that needs them.
HEADERS = [
    (V(2, 7), V(9, 9), ["Python.h", "frameobject.h"]),
    (V(2, 7), V(3, 10), ["code.h", "longintrepr.h"]),
    (V(2, 7), V(9, 9), ["opcode.h"]),
    (V(3, 7), V(3, 7), ["internal/pystate.h"]),
    (V(3, 8), V(3, 8), ["internal/pycore_pystate.h"]),
    (V(3, 9), V(9, 9), ["internal/pycore_runtime.h", "internal/pycore_interp.h",
                        "internal/pycore_pystate.h", "internal/pycore_gil.h"]),
    (V(3, 11), V(9, 9), ["internal/pycore_frame.h", "internal/pycore_code.h",
                         "internal/pycore_dict.h", "internal/pycore_object.h"]),
    (V(3, 12), V(9, 9), ["internal/pycore_long.h"]),
    (V(3, 11), V(3, 12), ["internal/pycore_opcode.h"]),
    (V(3, 13), V(9, 9), ["internal/pycore_opcode_metadata.h"]),
    (V(3, 14), V(9, 9), ["internal/pycore_interpframe.h", "internal/pycore_stackref.h",
                         "internal/pycore_tstate.h", "internal/pycore_genobject.h",
                         "internal/pycore_gc.h", "internal/pycore_debug_offsets.h"]),
]


def includes_for(v):
    return [h for lo, hi, hs in HEADERS if lo <= v <= hi for h in hs]


# 3.11+: the opcodes that can push a Python frame right on top of
# their own and wait in it (an "inline" call: the callee's previous is the
# caller itself, with no C in between).  A caller whose copy shows another
# instruction was copied before it made the call.  Every specialized form
# counts (the interpreter's own _PyOpcode_Deopt says which family an opcode
# belongs to), and so do instrumented forms and the opcodes that stand in
# for any instruction while monitoring or a trace runs.  Taking in too many
# only weakens the check; missing one would cut true stacks, so families
# are taken whole.  For each: its inline cache entries (3.11 and 3.12 leave
# the caller's position on the last of them).
#
# Three kinds, told apart because a callee's frame says which it is: calls
# push a new frame of a function ("call"); SEND resumes a generator or a
# coroutine, whose frame lives in its object ("send"); FOR_ITER resumes a
# generator only ("iterate"), inline from 3.12 or through C.  3.11 resumes
# generators through C only, but a FOR_ITER there still resumes no
# coroutine: its one family is listed for that check.
INLINE_FAMILIES = {
    "call": {
        V(3, 11): ["CALL", "BINARY_SUBSCR"],
        V(3, 12): ["CALL", "CALL_FUNCTION_EX", "BINARY_SUBSCR", "LOAD_ATTR"],
        V(3, 13): ["CALL", "CALL_KW", "CALL_FUNCTION_EX", "BINARY_SUBSCR", "LOAD_ATTR"],
    },
    "send": {V(3, 11): [], V(3, 12): ["SEND"], V(3, 13): ["SEND"]},
    "iterate": {V(3, 11): ["FOR_ITER"], V(3, 12): ["FOR_ITER"], V(3, 13): ["FOR_ITER"]},
}
# 3.14 folded BINARY_SUBSCR into BINARY_OP (BINARY_OP_SUBSCR_GETITEM).
for _kind in INLINE_FAMILIES.values():
    _kind[V(3, 14)] = _kind[V(3, 15)] = [
        "BINARY_OP" if fam == "BINARY_SUBSCR" else fam for fam in _kind[V(3, 13)]]
INLINE_CALL_FAMILIES = INLINE_FAMILIES["call"]
INLINE_CALL_STAND_INS = ["INSTRUMENTED_LINE", "INSTRUMENTED_INSTRUCTION", "ENTER_EXECUTOR"]


def inline_call_probe(v):
    """C statements printing "inline_KIND.OP CACHES" lines, or ""."""
    c = []
    for kind, by_version in INLINE_FAMILIES.items():
        fams = by_version.get(v)
        if not fams:
            continue
        c += ["{",
              "    static const int families[] = { %s };" % ", ".join(fams),
              "    const int n = (int)(sizeof families / sizeof families[0]);",
              "    int op, f, most = 0;",
              "    for (f = 0; f < n; f++)",
              "        if (_PyOpcode_Caches[families[f]] > most)",
              "            most = _PyOpcode_Caches[families[f]];",
              "    for (op = 1; op < 256; op++)",
              "        for (f = 0; f < n; f++)",
              "            if (_PyOpcode_Deopt[op] == families[f])",
              '                printf("inline_%s.%%d %%d\\n", op, _PyOpcode_Caches[families[f]]);'
              % kind]
        for fam in fams:
            c += ["#ifdef INSTRUMENTED_%s" % fam,
                  '    printf("inline_%s.%%d %%d\\n", INSTRUMENTED_%s, _PyOpcode_Caches[%s]);'
                  % (kind, fam, fam),
                  "#endif"]
        # Stand-ins hide the real opcode: give them the most caches of any family.
        for name in INLINE_CALL_STAND_INS:
            c += ["#ifdef %s" % name,
                  '    printf("inline_%s.%%d %%d\\n", %s, most);' % (kind, name),
                  "#endif"]
        c.append("}")
    return "\n".join(c) + "\n" if c else ""


PROBE_PRELUDE = r"""
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <stdint.h>
/* Mask of a bit-field: zero a struct, set the field, read back the word. */
#define MASK(TYPE, FIELD, VALUE, WORD) ({ TYPE o_; uint32_t w_; \
    memset(&o_, 0, sizeof o_); o_.FIELD = (VALUE); \
    memcpy(&w_, (char *)&o_ + offsetof(TYPE, WORD), sizeof w_); (long)w_; })
int main(void) {
"""


def probe(name, incdirs, v, ft, chroot=None, cflags=()):
    lines = []
    if v >= V(3, 7):
        lines.append("#define Py_BUILD_CORE 1")
    if ft:
        lines.append("#define Py_GIL_DISABLED 1")
    if v in INLINE_CALL_FAMILIES:
        # Define the opcode tables (deopt, caches) rather than declare them.
        lines.append("#define NEED_OPCODE_TABLES 1")
        lines.append("#define NEED_OPCODE_METADATA 1")
    for h in includes_for(v):
        lines.append('#include "%s"' % h)
    body = [PROBE_PRELUDE]
    body.append('printf("version %s\\n", PY_VERSION);')
    seen = set()
    for key, expr, pred in fields():
        if not pred(v, ft) or key in seen:
            continue
        seen.add(key)
        body.append('printf("%s %%ld\\n", (long)(%s));' % (key, expr))
    body.append(inline_call_probe(v))
    body.append("return 0; }")
    src = "\n".join(lines) + "\n" + "\n".join(body) + "\n"
    base = tempfile.mkdtemp(prefix="peekpy-probe-",
                            dir=os.path.join(chroot, "tmp") if chroot else None)
    c_path = os.path.join(base, "probe.c")
    exe = os.path.join(base, "probe")
    with open(c_path, "w") as fh:
        fh.write(src)
    inside = (lambda p: p[len(chroot):]) if chroot else (lambda p: p)
    cmd = ["gcc", "-std=gnu11", "-w", *cflags]
    for d in incdirs:
        cmd += ["-I", d, "-I", os.path.join(d, "internal")]
    cmd += [inside(c_path), "-o", inside(exe)]
    pre = ["chroot", chroot] if chroot else []
    res = subprocess.run(pre + cmd, capture_output=True, text=True)
    if res.returncode != 0:
        sys.exit("probe %s: compile failed:\n%s" % (name, res.stderr[-4000:]))
    out = subprocess.run(pre + [inside(exe)], capture_output=True, text=True, check=True).stdout
    values = dict(line.split(" ", 1) for line in out.splitlines())
    values.update({k: str(x) for k, x in rules(v).items()})
    values["free_threaded"] = "1" if ft else "0"
    path = os.path.join(DATA, name + ".txt")
    with open(path, "w") as fh:
        fh.write("# generated by scripts/gen-layouts.py probe from %s%s\n"
                 % (" ".join(incdirs), " (chroot %s)" % chroot if chroot else ""))
        for k in sorted(values):
            fh.write("%s %s\n" % (k, values[k].strip()))
    print("wrote", os.path.relpath(path, ROOT))


def parse_version(s):
    m = re.match(r"(\d+)\.(\d+)", s)
    return (int(m.group(1)), int(m.group(2)))


def header_version(incdir):
    with open(os.path.join(incdir, "patchlevel.h")) as fh:
        m = re.search(r'#define\s+PY_VERSION\s+"([^"]+)"', fh.read())
    return m.group(1)


def cmd_probe_all(args):
    sets = []   # (name, incdirs, chroot, cflags)
    for d in sorted(glob.glob("/root/.pyenv/versions/*/include/python*")):
        if os.path.exists(os.path.join(d, "patchlevel.h")):
            sets.append((header_version(d), [d], None, []))
    for d in sorted(glob.glob("/usr/include/python[23].*")):
        if re.search(r"python\d\.\d+$", d) and os.path.exists(os.path.join(d, "patchlevel.h")):
            sets.append((header_version(d) + "-debian", [d], None, []))
    sid = os.path.join(TARGETS, "sid")
    if os.path.isdir(sid):
        if args.install:
            pk = ["gcc", "libc6-dev"] + ["libpython3.%d-dev" % m for m in (13, 14, 15)]
            subprocess.run(["chroot", sid, "apt-get", "install", "-y", "-qq",
                            "--no-install-recommends"] + pk, check=True)
        for d in sorted(glob.glob(os.path.join(sid, "usr/include/python3.*"))):
            if not re.search(r"python\d\.\d+$", d):
                continue
            v = header_version(d)
            # Debian builds 3.14+ with these core flags; without them some sizes differ.
            flags = ["-D_Py_TIER2=3", "-D_Py_JIT"] if parse_version(v) >= V(3, 14) else []
            sets.append((v + "-sid", [d[len(sid):]], sid, flags))
    for name, incdirs, chroot, flags in sets:
        v = parse_version(name)
        probe(name, incdirs, v, False, chroot, flags)
        if v >= V(3, 13):
            # Free-threaded layout from the same headers; 3.13+ readers
            # correct it at run time from the target's _Py_DebugOffsets.
            ver, _, origin = name.partition("-")
            probe(ver + "t" + ("-" + origin if origin else ""), incdirs, v, True, chroot, flags)


# Members of _asyncio's C objects (3.7 - 3.13), measured on live objects by
# scripts/probe-asyncio.py and stored counting from the object header's end.
ASYNCIO_KEYS = ["fut.loop", "fut.state", "fut.callback0", "fut.callbacks", "task.fut_waiter", "task.coro", "task.name",
                "wakeup.task", "partial.args"]
ASYNCIO_DATA = os.path.join(DATA, "asyncio")


def interpreters_before_3_14():
    """(name, command) of every interpreter here with a C _asyncio to probe."""
    found = []
    for py in sorted(glob.glob("/root/.pyenv/versions/*/bin/python")):
        found.append((py.split("/")[-3], [py]))
    if os.path.exists("/usr/bin/python3.11"):
        found.append(("debian", ["/usr/bin/python3.11"]))
    tsv = os.path.join(TARGETS, "targets.tsv")
    if os.path.exists(tsv):
        with open(tsv) as fh:
            for line in fh:
                name, how, exe = line.rstrip("\n").split("\t")
                found.append((name, (["chroot", how.split()[1]] if how.startswith("chroot") else [])
                              + [exe]))
    return found


def cmd_probe_asyncio(args):
    with open(os.path.join(HERE, "probe-asyncio.py")) as fh:
        script = fh.read()
    os.makedirs(ASYNCIO_DATA, exist_ok=True)
    for name, command in interpreters_before_3_14():
        res = subprocess.run(command + ["-c", "import sys; print(sys.version_info[:2])"],
                             capture_output=True, text=True)
        if res.returncode != 0:
            continue
        v = tuple(int(x) for x in res.stdout.strip("()\n").split(", "))
        if not V(3, 7) <= v <= V(3, 13):
            continue
        res = subprocess.run(command + ["-"], input=script, capture_output=True, text=True)
        if res.returncode != 0:
            sys.exit("probe-asyncio %s: %s" % (name, res.stderr.strip()[-2000:]))
        values = dict(line.split(" ", 1) for line in res.stdout.splitlines())
        version = values["version"].strip()
        origin = "" if name.startswith(version) else "-" + name.split("-")[0]
        path = os.path.join(ASYNCIO_DATA, "%s%s%s.txt" % (
            version, "t" if values["free_threaded"].strip() == "1" else "", origin))
        with open(path, "w") as fh:
            fh.write("# generated by scripts/gen-layouts.py probe-asyncio from %s\n"
                     % " ".join(command))
            for k in sorted(values):
                fh.write("%s %s\n" % (k, values[k].strip()))
        print("wrote", os.path.relpath(path, ROOT))


def asyncio_members(v):
    """{key: offset from the object header's end} measured for version v."""
    agreed, source = {}, None
    for path in sorted(glob.glob(os.path.join(ASYNCIO_DATA, "*.txt"))):
        with open(path) as fh:
            vals = dict(line.split() for line in fh if line.strip() and not line.startswith("#"))
        if parse_version(vals["version"]) != v:
            continue
        members = {k: vals[k] for k in ASYNCIO_KEYS if k in vals}
        if source and members != agreed:
            sys.exit("layouts: %s and %s disagree on _asyncio's objects" % (source, path))
        agreed, source = members, path
    return agreed


def load_data():
    rows = {}
    for path in sorted(glob.glob(os.path.join(DATA, "*.txt"))):
        vals = {}
        with open(path) as fh:
            for line in fh:
                if line.startswith("#") or not line.strip():
                    continue
                k, x = line.split()
                vals[k] = x
        vals["_file"] = os.path.basename(path)
        # Rules are kept in rules(), not only in the files probed before
        # one was added.
        vals.update({k: str(x) for k, x in rules(parse_version(vals["version"])).items()})
        # An object's header ends after its type pointer in every build.
        header = int(vals["obj.type"]) + 8
        for k, rel in asyncio_members(parse_version(vals["version"])).items():
            vals[k] = str(header + int(rel))
        rows.setdefault((parse_version(vals["version"]), vals["free_threaded"] == "1"), []).append(vals)
    return rows


def layout_keys():
    keys = []
    for key, _, _ in fields():
        if not key.startswith("dbg.") and key not in keys:
            keys.append(key)
    return keys + ASYNCIO_KEYS


def cname(key):
    return key.replace(".", "_")


def inline_calls(group, kind):
    """{opcode: caches} of the inline KIND opcodes, the same in every file of a row."""
    def of(vals):
        return {int(k.split(".")[1]): int(x) for k, x in vals.items()
                if k.startswith("inline_%s." % kind)}
    first = of(group[0])
    for other in group[1:]:
        if of(other) != first:
            sys.exit("layouts: %s and %s disagree on inline-%s opcodes"
                     % (group[0]["_file"], other["_file"], kind))
    return first


def render_table(rows):
    keys = layout_keys()
    out = []
    out.append("/* Generated by scripts/gen-layouts.py table from the files in scripts/layouts/: do not edit.")
    out.append(" * One row per (major, minor, free-threaded): offsets, sizes and rules peekpy reads")
    out.append(" * through; LAYOUT_ABSENT marks a member that version does not have. */")
    out.append("#ifndef PEEKPY_LAYOUTS_GEN_H")
    out.append("#define PEEKPY_LAYOUTS_GEN_H")
    out.append("")
    out.append("#define LAYOUT_FIELDS(X) \\")
    for k in keys:
        out.append("\tX(%s) \\" % cname(k))
    out.append("")
    out.append("#define DEBUG_OFFSET_FIELDS(X) \\")
    for k, _, _ in DEBUG_FIELDS:
        out.append("\tX(%s) \\" % cname(k))
    out.append("")
    out.append("#endif /* PEEKPY_LAYOUTS_GEN_H */")
    out.append("")
    out.append("#ifdef LAYOUT_ROWS")
    out.append("static const struct py_layout layout_rows[] = {")
    for (v, ft) in sorted(rows):
        group = rows[(v, ft)]
        first = group[0]
        # Different patch releases of one minor must agree on every member offset.
        for other in group[1:]:
            for k in keys:
                if k.endswith(".size") or k.startswith("dbg.sizeof") or k in ("runtime.size",):
                    continue
                if first.get(k) != other.get(k):
                    sys.exit("layouts: %s and %s disagree on %s (%s vs %s)"
                             % (first["_file"], other["_file"], k, first.get(k), other.get(k)))
        src = ", ".join(sorted(g["_file"][:-4] for g in group))
        out.append("\t{ /* %d.%d%s, from %s */" % (v[0], v[1], "t" if ft else "", src))
        out.append("\t\t.major = %d, .minor = %d, .free_threaded = %d," % (v[0], v[1], 1 if ft else 0))
        vals = dict(first)
        fields_out = []
        for k in keys:
            x = vals.get(k)
            fields_out.append(".%s = %s" % (cname(k), x if x is not None else "LAYOUT_ABSENT"))
        for i in range(0, len(fields_out), 4):
            out.append("\t\t" + ", ".join(fields_out[i:i + 4]) + ",")
        rv = ["lasti", "linetable", "strings", "stacktop_reset", "popped_code_null",
              "inline_calls", "refcount_word", "call_at_opcode"]
        out.append("\t\t" + ", ".join(".rule_%s = %s" % (r, vals["rule." + r]) for r in rv) + ",")
        for kind in INLINE_FAMILIES:
            calls = inline_calls(group, kind)
            if not calls:
                continue
            out.append("\t\t/* opcode: 1 + its inline cache entries */")
            items = ["[%d] = %d" % (op, 1 + caches) for op, caches in sorted(calls.items())]
            out.append("\t\t.inline_%s_caches = {" % kind)
            for i in range(0, len(items), 8):
                out.append("\t\t\t" + ", ".join(items[i:i + 8]) + ",")
            out.append("\t\t},")
        dbg = []
        if "dbg.sizeof" in vals:
            dbg.append(".debug_offsets_size = %s" % vals["dbg.sizeof"])
            for k, _, _ in DEBUG_FIELDS:
                x = vals.get("dbg." + k)
                dbg.append(".dbg_%s = %s" % (cname(k), x if x is not None else "LAYOUT_ABSENT"))
        else:
            dbg.append(".debug_offsets_size = 0")
            for k, _, _ in DEBUG_FIELDS:
                dbg.append(".dbg_%s = LAYOUT_ABSENT" % cname(k))
        for i in range(0, len(dbg), 3):
            out.append("\t\t" + ", ".join(dbg[i:i + 3]) + ",")
        out.append("\t},")
    out.append("};")
    out.append("#endif /* LAYOUT_ROWS */")
    return "\n".join(out) + "\n"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("probe")
    p.add_argument("--name", required=True)
    p.add_argument("--include", action="append", required=True)
    p.add_argument("--ft", action="store_true")
    p.add_argument("--chroot")
    p.add_argument("--cflag", action="append", default=[])
    pa = sub.add_parser("probe-all")
    pa.add_argument("--install", action="store_true")
    sub.add_parser("probe-asyncio")
    sub.add_parser("table")
    sub.add_parser("check")
    args = ap.parse_args()
    if args.cmd == "probe":
        probe(args.name, args.include, parse_version(args.name), args.ft, args.chroot, args.cflag)
    elif args.cmd == "probe-asyncio":
        cmd_probe_asyncio(args)
    elif args.cmd == "probe-all":
        cmd_probe_all(args)
    elif args.cmd == "table":
        with open(HEADER, "w") as fh:
            fh.write(render_table(load_data()))
        print("wrote", os.path.relpath(HEADER, ROOT))
    elif args.cmd == "check":
        with open(HEADER) as fh:
            if fh.read() != render_table(load_data()):
                sys.exit("readers/layouts_gen.h is stale: run scripts/gen-layouts.py table")
        print("layouts: readers/layouts_gen.h matches scripts/layouts/")


if __name__ == "__main__":
    main()
