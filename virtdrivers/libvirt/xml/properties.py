"""Descriptors that map Python attributes onto paths of an XMLObject.

* :class:`XMLProperty`: one attribute or text value (str, int, yes/no,
  on/off, or "element present").
* :class:`XMLSizeProperty`: a number with a libvirt ``unit`` attribute,
  converted to and from one fixed unit.
* :class:`XMLListProperty`: the values of a repeated element, as a list.
* :class:`XMLChild` / :class:`XMLChildList`: nested XMLObjects.

Reading an absent value gives ``None`` (``False`` for presence booleans, an
empty list for lists). Setting creates the missing elements in canonical
order; setting ``None`` removes the value and any element it leaves empty.
"""

from collections.abc import Sequence

from virtdrivers.libvirt.xml import xpath

_BOOL_WORDS = {"yesno": ("yes", "no"), "onoff": ("on", "off")}

# libvirt's size suffixes (virScaleInteger): b/bytes, then k/KiB (1024) or
# KB (1000), and so on up to exabytes.
_POWERS = "kmgtpe"


def unit_factor(unit):
    """Bytes per ``unit`` as libvirt reads it (``KiB`` 1024, ``KB`` 1000).

    :raises ValueError: for a unit libvirt does not accept.
    """
    unit = (unit or "").strip()
    if unit.lower() in ("b", "byte", "bytes"):
        return 1
    head, tail = unit[:1].lower(), unit[1:].lower()
    if not head or head not in _POWERS or tail not in ("", "b", "ib"):
        raise ValueError("unknown size unit %r" % unit)
    base = 1000 if tail == "b" else 1024
    return base ** (_POWERS.index(head) + 1)


class Descriptor:
    """Common part of all descriptors: a path parsed with the owner's NSMAP."""

    def __init__(self, path, doc=None):
        self.path = path
        self.__doc__ = doc
        self.name = None
        self._path = None

    def __set_name__(self, owner, name):
        self.name = name
        self._path = xpath.parse(self.path, owner.NSMAP)


class XMLProperty(Descriptor):
    """A scalar value at ``path``: an attribute (``@x``) or element text.

    :param is_int: convert to/from int (``0x`` hex accepted when reading).
    :param is_yesno: bool stored as ``yes``/``no``.
    :param is_onoff: bool stored as ``on``/``off``.
    :param is_bool: True when the element exists (``<acpi/>``, ``<readonly/>``).

    A text property reads ``''`` when its element exists without text.
    Setting it to None removes the element, unless the element still carries
    attributes or children; then only the text goes.
    """

    def __init__(self, path, is_int=False, is_yesno=False, is_onoff=False,
                 is_bool=False, doc=None):
        super().__init__(path, doc)
        self.is_int = is_int
        self.is_bool = is_bool
        self.words = _BOOL_WORDS["yesno"] if is_yesno else None
        if is_onoff:
            self.words = _BOOL_WORDS["onoff"]

    def __get__(self, obj, owner=None):
        if obj is None:
            return self
        node = obj._find(self._path)
        if self.is_bool:
            return node is not None
        if node is None:
            return None
        if self._path.attr is not None:
            return self.decode(node.get(self._path.attr))
        return self.decode(node.text or "")

    def __set__(self, obj, value):
        if value is None or (self.is_bool and not value):
            obj._remove(self._path, text_only=not self.is_bool)
            return
        node = obj._make(self._path.element_path)
        if self.is_bool:
            return
        if self._path.attr is not None:
            node.set(self._path.attr, self.encode(value))
        else:
            node.text = self.encode(value)

    def decode(self, raw):
        """Convert an XML string to the Python value (None stays None)."""
        if raw is None:
            return None
        if self.is_int:
            raw = raw.strip()
            if not raw:
                return None
            return int(raw, 16) if raw.lower().startswith("0x") else int(raw)
        if self.words:
            if raw not in self.words:
                raise ValueError("%s: expected one of %s, got %r"
                                 % (self.path, "/".join(self.words), raw))
            return raw == self.words[0]
        return raw

    def encode(self, value):
        """Convert a Python value to its XML string."""
        if self.is_int:
            return str(int(value))
        if self.words:
            if not isinstance(value, bool):
                raise TypeError("%s takes a bool, got %r" % (self.name, value))
            return self.words[0] if value else self.words[1]
        return str(value)


class XMLSizeProperty(Descriptor):
    """An integer size with a ``unit`` attribute, exposed in ``unit``.

    Reading converts whatever unit the XML uses (absent means ``unit``) and
    rounds down; writing stores the number with ``unit='<unit>'``.
    """

    def __init__(self, path, unit, doc=None):
        super().__init__(path, doc)
        self.unit = unit
        self._factor = unit_factor(unit)

    def __get__(self, obj, owner=None):
        if obj is None:
            return self
        node = obj._find(self._path)
        if node is None or not (node.text or "").strip():
            return None
        factor = unit_factor(node.get("unit") or self.unit)
        return int(node.text.strip()) * factor // self._factor

    def __set__(self, obj, value):
        if value is None:
            obj._remove(self._path)
            return
        node = obj._make(self._path)
        node.text = str(int(value))
        node.set("unit", self.unit)


class XMLListProperty(XMLProperty):
    """The values of every element matching ``path``, as a list.

    ``./boot/@dev`` gives ``['hd', 'cdrom']`` for two ``<boot>`` elements.
    Setting a list replaces all matching elements, in the given order.
    """

    def __get__(self, obj, owner=None):
        if obj is None:
            return self
        nodes = obj._find_all(self._path.element_path)
        if self._path.attr is not None:
            return [self.decode(n.get(self._path.attr)) for n in nodes]
        return [self.decode(n.text or "") for n in nodes]

    def __set__(self, obj, values):
        if isinstance(values, (str, bytes)):
            raise TypeError("%s takes a list, got %r" % (self.name, values))
        element_path = self._path.element_path
        for node in obj._find_all(element_path):
            node.getparent().remove(node)
        for value in values or ():
            node = obj._make(element_path, new_last=True)
            if self._path.attr is not None:
                node.set(self._path.attr, self.encode(value))
            else:
                node.text = self.encode(value)
        parent = obj._find(element_path.parent)
        if parent is not None:
            obj._prune(parent)


class XMLChild(Descriptor):
    """A nested object of class ``cls`` at ``path`` (default: its TAG).

    Reading never creates XML: an absent child is returned pending, and is
    created by its first write. Assigning an object moves its element here,
    replacing any existing one; assigning None removes it.
    """

    def __init__(self, cls, path=None, doc=None):
        super().__init__(path or "./" + cls.TAG, doc)
        self.cls = cls

    def __get__(self, obj, owner=None):
        if obj is None:
            return self
        node = obj._find(self._path)
        if node is None:
            return self.cls._pending(obj, self._path)
        return self.cls(node)

    def __set__(self, obj, value):
        old = obj._find(self._path)
        if value is None:
            obj._remove(self._path)
            return
        element = value.element
        if old is not None and old is not element:
            old.getparent().remove(old)
        place(obj, self._path, element)


def place(obj, path, element):
    """Insert ``element`` as the last step of ``path`` under ``obj``."""
    last = path.steps[-1]
    if last.tag != "*":
        element.tag = last.tag
    for name, value in last.preds:
        element.set(name, value)
    parent = obj._make(path.parent)
    obj._insert(parent, element, path.steps[:-1])


class XMLChildList(Descriptor):
    """A live list of nested objects for a repeated element.

    ``cls`` is the class of every item, or a callable ``tag -> class`` for a
    heterogeneous list (``./*``). Assigning an iterable replaces the items.
    """

    def __init__(self, cls, path=None, doc=None):
        super().__init__(path or "./" + cls.TAG, doc)
        self.cls = cls

    def __get__(self, obj, owner=None):
        if obj is None:
            return self
        return XMLList(obj, self._path, self.cls)

    def __set__(self, obj, values):
        items = XMLList(obj, self._path, self.cls)
        new = list(values or ())
        items.clear()
        for value in new:
            items.append(value)


class XMLList(Sequence):
    """A live sequence view of the elements matching a path.

    It reads the document on every access, so it always reflects the XML.
    """

    def __init__(self, owner, path, cls):
        self._owner = owner
        self._path = path
        self._cls = cls

    def _wrap(self, node):
        cls = self._cls
        if not isinstance(cls, type):
            cls = cls(node.tag)
        return cls(node)

    def __len__(self):
        return len(self._owner._find_all(self._path))

    def __getitem__(self, index):
        nodes = self._owner._find_all(self._path)
        if isinstance(index, slice):
            return [self._wrap(node) for node in nodes[index]]
        return self._wrap(nodes[index])

    def append(self, item):
        """Insert ``item``'s element at its canonical place; return ``item``."""
        place(self._owner, self._path, item.element)
        return item

    def extend(self, items):
        """Append every item of ``items``."""
        for item in items:
            self.append(item)

    def remove(self, item):
        """Remove ``item`` from the document.

        :raises ValueError: when ``item`` is not in this list.
        """
        element = item.element
        if element not in self._owner._find_all(self._path):
            raise ValueError("%r is not in this list" % (item,))
        parent = element.getparent()
        parent.remove(element)
        self._owner._prune(parent)

    def clear(self):
        """Remove every item."""
        for item in list(self):
            self.remove(item)

    def __repr__(self):
        return "XMLList(%r)" % (list(self),)
