"""The small path language used by XML object properties.

A path is relative to an object's own element and has the form::

    .                       the element itself
    @type                   an attribute of the element
    ./target/@dev           an attribute of a descendant
    ./memory                the text of a child
    ./os/enum[@name='firmware']/value
    ./vd:flavor/@name       a prefixed name, resolved with the class NSMAP
    ./{http://ns}instance   a name in Clark notation
    ./*                     any child element

This is deliberately a subset of XPath: every path can be both read and
*created*, because creating the missing elements of a path (with the attribute
values its predicates name) is how properties are set.
"""

import dataclasses
import re

_STEP_RE = re.compile(
    r"^(?P<tag>\{[^}]*\}[\w.-]+|[\w.-]+(?::[\w.-]+)?|\*)"
    r"(?P<preds>(?:\[@[\w:.-]+=(['\"]).*?\3\])*)$"
)
_PRED_RE = re.compile(r"\[@([\w:.-]+)=(['\"])(.*?)\2\]")


@dataclasses.dataclass(frozen=True)
class Step:
    """One element step: a qualified tag (or ``*``) and attribute predicates."""

    tag: str
    preds: tuple = ()

    def matches(self, element):
        """Return True when ``element`` is an element this step selects."""
        tag = element.tag
        # Comments and processing instructions have a non-string tag.
        if not isinstance(tag, str):
            return False
        if self.tag != "*" and tag != self.tag:
            return False
        return all(element.get(name) == value for name, value in self.preds)


@dataclasses.dataclass(frozen=True)
class Path:
    """A parsed path: element steps, then an optional attribute name."""

    text: str
    steps: tuple
    attr: str | None = None

    @property
    def parent(self):
        """The path of the element holding the last step (drops the attribute)."""
        return Path(self.text, self.steps[:-1])

    @property
    def element_path(self):
        """This path without its attribute: the element the value lives on."""
        return Path(self.text, self.steps)

    @property
    def key(self):
        """The step tags without predicates, used to look up child order."""
        return tuple(step.tag for step in self.steps)


def _split(text):
    """Split on '/' outside of braces, brackets and quotes."""
    parts, depth, quote, current = [], 0, None, ""
    for char in text:
        if quote:
            quote = None if char == quote else quote
        elif char in "'\"" and depth:
            quote = char
        elif char in "{[":
            depth += 1
        elif char in "}]":
            depth -= 1
        elif char == "/" and not depth:
            parts.append(current)
            current = ""
            continue
        current += char
    parts.append(current)
    return parts


def qualify(name, nsmap):
    """Turn ``prefix:local`` into Clark notation using ``nsmap``.

    :raises ValueError: for a prefix ``nsmap`` does not define.
    """
    if name.startswith("{") or ":" not in name:
        return name
    prefix, local = name.split(":", 1)
    try:
        return "{%s}%s" % (nsmap[prefix], local)
    except KeyError:
        raise ValueError("unknown namespace prefix %r in %r" % (prefix, name))


def parse(text, nsmap=None):
    """Parse a path string into a :class:`Path`.

    :raises ValueError: when the path is outside the supported subset.
    """
    nsmap = nsmap or {}
    parts = [part for part in _split(text.strip()) if part not in ("", ".")]
    attr = None
    if parts and parts[-1].startswith("@"):
        attr = qualify(parts.pop()[1:], nsmap)
    steps = []
    for part in parts:
        match = _STEP_RE.match(part)
        if not match:
            raise ValueError("unsupported path step %r in %r" % (part, text))
        preds = tuple(
            (qualify(name, nsmap), value)
            for name, _quote, value in _PRED_RE.findall(match.group("preds"))
        )
        steps.append(Step(qualify(match.group("tag"), nsmap), preds))
    return Path(text, tuple(steps), attr)
