"""A script's instructions, parsed and checked as Click's Script::configure does.

Each instruction is one configuration argument: a name, a space, its text.
Problems come back as Click's messages ("syntax error at 'foo'", "no such
label 'x'") for the configuration check to report; nothing here runs.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from clickpy.args import ArgError, ParseContext, Seconds
from clickpy.script.text import parse_int, pop_word

# Instruction codes.  INITIAL, WAIT_STEP and WAIT_TIME block (a script starts on one).
(INITIAL, WAIT_STEP, WAIT_TIME, PRINT, PRINTN, PRINTQ, PRINTNQ, READ, READQ, WRITE, WRITEQ,
 SET, SETQ, INIT, INITQ, STOP, END, EXIT, LABEL, GOTO, RETURN, RETURNQ, ERROR,
 ERRORQ, EXPORT, EXPORTQ) = range(26)
_WAIT, _LOOP = 100, 101                 # pseudo-instructions: wait [TIME], loop
# goto's pseudo-labels, as instruction positions (begin and loop: the first instruction)
LABEL_EXIT, LABEL_END, LABEL_ERROR, LABEL_STOP, LABEL_BEGIN = -1, -2, -3, -4, 0
PSEUDO_LABELS = {"exit": LABEL_EXIT, "end": LABEL_END, "begin": LABEL_BEGIN,
                 "loop": LABEL_BEGIN, "error": LABEL_ERROR, "stop": LABEL_STOP}

NAMES = {
    "end": END, "error": ERROR, "errorq": ERRORQ, "exit": EXIT, "export": EXPORT,
    "exportq": EXPORTQ, "goto": GOTO, "init": INIT,
    "initq": INITQ, "label": LABEL, "loop": _LOOP, "pause": WAIT_STEP, "print": PRINT,
    "printn": PRINTN, "printq": PRINTQ, "printnq": PRINTNQ, "read": READ, "readq": READQ,
    "return": RETURN, "returnq": RETURNQ, "set": SET, "setq": SETQ, "stop": STOP,
    "wait": _WAIT, "wait_for": WAIT_TIME, "wait_step": WAIT_STEP, "wait_stop": WAIT_STEP,
    "wait_time": WAIT_TIME, "write": WRITE, "writeq": WRITEQ,
}
RETURN_VARIABLE = "_"                   # return VALUE sets this variable


@dataclass
class Insn:
    """One instruction: a = label target, variable name, step count or 0; b = steps taken
    at a pause; seconds = wait_time's; text = what is left of its argument."""

    op: int
    a: int = 0
    b: int = 0
    text: str = ""
    var: str = ""
    seconds: float = 0.0


@dataclass
class Program:
    insns: list[Insn] = field(default_factory=list)
    variables: list[str] = field(default_factory=list)   # in order of first use
    errors: list[str] = field(default_factory=list)

    @property
    def exports(self) -> list[str]:
        """Variables `export` and `exportq` make read handlers of, in order."""
        return [i.var for i in self.insns if i.op in (EXPORT, EXPORTQ)]

    def add(self, insn: Insn) -> None:
        """Append; a script must start on a blocking instruction, so INITIAL comes first
        when the first one is not."""
        if not self.insns and insn.op > WAIT_TIME:
            self.insns.append(Insn(INITIAL))
        self.insns.append(insn)

    def find_label(self, label: str) -> int:
        """The label's position, a pseudo-label's code, or len(insns) when there is none."""
        for i, insn in enumerate(self.insns):
            if insn.op == LABEL and insn.text == label:
                return i
        return PSEUDO_LABELS.get(label, len(self.insns))

    def variable(self, name: str) -> str:
        if name not in self.variables:
            self.variables.append(name)
        return name


def instruction_error(text: str) -> str | None:
    """Click's message for one instruction that cannot parse on its own, else None."""
    p = Program()
    _add_instruction(p, text)
    return p.errors[0] if p.errors else None


def parse(instructions: list[str], driver: bool) -> Program:
    """The program of these instructions; a driver script ends with an implicit stop."""
    p = Program()
    for text in instructions:
        _add_instruction(p, text)
    for insn in p.insns:                  # gotos: resolve their labels
        if insn.op == GOTO and insn.text:
            word, insn.text = pop_word(insn.text)
            insn.a = p.find_label(word)
            if insn.a >= len(p.insns):
                p.errors.append(f"no such label '{word}'")
    if not p.insns and driver:
        p.add(Insn(WAIT_STEP, a=1))
    p.add(Insn(STOP if driver else END))
    return p


def _add_instruction(p: Program, text: str) -> None:
    name, rest = pop_word(text)
    if not name:                            # benign
        return
    op = NAMES.get(name)
    if op == _WAIT:
        op = WAIT_STEP if not rest else WAIT_TIME
    if op == WAIT_STEP:
        n = 1 if not rest else parse_int(rest)
        if n is not None and n >= 0:
            p.add(Insn(WAIT_STEP, a=n))
            return
    elif op in (WRITE, WRITEQ, READ, READQ, PRINT, PRINTN, PRINTQ, PRINTNQ, GOTO):
        p.add(Insn(op, text=rest))
        return
    elif op in (RETURN, RETURNQ, INIT, INITQ, EXPORT, EXPORTQ, SET, SETQ):
        if op in (RETURN, RETURNQ):
            rest = f"{RETURN_VARIABLE} {rest}"
        var, value = pop_word(rest)
        if var and not (op in (SET, SETQ) and not value):
            p.add(Insn(op, text=value, var=p.variable(var)))
            return
    elif op == WAIT_TIME:
        try:
            p.add(Insn(WAIT_TIME, seconds=Seconds().parse(rest, ParseContext())))
            return
        except ArgError:
            pass
    elif op == LABEL:
        word, extra = pop_word(rest)
        if word and not extra:
            p.add(Insn(LABEL, text=word))
            return
    elif op in (_LOOP, END, EXIT, STOP, ERROR, ERRORQ):
        if not rest or op in (ERROR, ERRORQ):
            p.add(Insn(GOTO if op == _LOOP else op, text=rest))
            return
    p.errors.append(f"syntax error at '{name}'")
