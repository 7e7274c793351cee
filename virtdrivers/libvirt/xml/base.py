"""XMLObject: a Python view over one live lxml element.

An object never copies its XML into attributes. Properties (see
:mod:`virtdrivers.libvirt.xml.properties`) read and write the element they
wrap, so anything we do not model -- a ``<seclabel>``, a
``<qemu:commandline>``, an attribute added by a newer libvirt -- stays in the
document and comes out of :meth:`XMLObject.to_xml` unchanged. That is what lets
the driver edit live XML from libvirt (attach, migration) through the same
classes it uses to build new XML.

New elements are inserted where libvirt itself would format them: each class
declares ``CHILD_ORDER`` (paths of children, in libvirt's order); children it
does not list are ordered as its properties are declared.
"""

import copy

from lxml import etree

from virtdrivers.libvirt.xml import properties
from virtdrivers.libvirt.xml import xpath

# Attributes whose values are secrets. They are masked in repr() and
# redacted_xml() so that logging an object can never leak them.
SECRET_ATTRIBUTES = frozenset({"passwd"})

# Preferred prefix for each namespace any class declares, so that elements
# created in a namespace get a readable prefix instead of lxml's "ns0".
_PREFIXES = {}

_PARSER = etree.XMLParser(
    remove_blank_text=True, resolve_entities=False, no_network=True
)


def parse_xml(text):
    """Parse an XML document (str or bytes) into its root element.

    External entities and network access are disabled.
    """
    if isinstance(text, str):
        text = text.encode("utf-8")
    return etree.fromstring(text, _PARSER)


def _element_of(value):
    if isinstance(value, XMLObject):
        return value.element
    if isinstance(value, (str, bytes)):
        return parse_xml(value)
    return value


def canonicalize(value):
    """Return a canonical byte string for semantic comparison of XML.

    Accepts XML text, an lxml element or an :class:`XMLObject`. Whitespace
    between elements, attribute order, quoting and where namespaces are
    declared do not affect the result.
    """
    element = parse_xml(etree.tostring(_element_of(value)))
    return etree.tostring(element, method="c14n", exclusive=True)


def xml_equal(first, second):
    """Return True when two XML values are semantically equal."""
    return canonicalize(first) == canonicalize(second)


class XMLObject:
    """Base class: one libvirt element, viewed through declared properties.

    Subclasses set:

    * ``TAG``: the element name (Clark notation for namespaced elements);
    * ``NSMAP``: prefixes used in property paths, ``{prefix: uri}``;
    * ``CHILD_ORDER``: child paths in the order libvirt formats them.

    Wrappers are cheap views: two wrappers of the same element compare equal.
    A child reached through an absent element is *pending*: reading it gives
    ``None`` values, and the first write creates the missing elements.
    """

    TAG = None
    NSMAP = {}
    CHILD_ORDER = ()

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        for prefix, uri in cls.NSMAP.items():
            _PREFIXES.setdefault(uri, prefix)

    def __init__(self, element=None):
        """Wrap ``element``, or create a new empty ``TAG`` element."""
        if element is None:
            element = self._new_element()
        else:
            self._check_tag(element)
        self._node = element
        self._anchor = None

    # Constructors -----------------------------------------------------------

    @classmethod
    def new(cls, **props):
        """Create a new element and set the given properties.

        :raises AttributeError: for a name that is not a declared property.
        """
        obj = cls()
        for name, value in props.items():
            if not isinstance(getattr(cls, name, None), properties.Descriptor):
                raise AttributeError(
                    "%s has no XML property %r" % (cls.__name__, name)
                )
            setattr(obj, name, value)
        return obj

    @classmethod
    def parse(cls, element):
        """Wrap an existing (live) lxml element.

        :raises ValueError: when its tag is not ``TAG``.
        """
        return cls(element)

    @classmethod
    def from_xml(cls, text):
        """Parse XML text into a new object owning its own document.

        :raises ValueError: when the root tag is not ``TAG``.
        :raises lxml.etree.XMLSyntaxError: for malformed XML.
        """
        return cls(parse_xml(text))

    @classmethod
    def _pending(cls, parent, path):
        obj = cls.__new__(cls)
        obj._node = None
        obj._anchor = (parent, path)
        return obj

    @classmethod
    def _new_element(cls):
        if cls.TAG is None:
            raise TypeError("%s needs an element to wrap" % cls.__name__)
        return new_element(xpath.qualify(cls.TAG, cls.NSMAP))

    @classmethod
    def _check_tag(cls, element):
        if cls.TAG is None:
            return
        expected = xpath.qualify(cls.TAG, cls.NSMAP)
        if element.tag != expected:
            raise ValueError(
                "%s wraps <%s>, not <%s>" % (cls.__name__, expected, element.tag)
            )

    # Serialisation ----------------------------------------------------------

    @property
    def element(self):
        """The live lxml element (created in its parent if still pending)."""
        return self._root(create=True)

    def to_xml(self, pretty=True):
        """Serialise to a string, indented by two spaces when ``pretty``.

        Secrets (``passwd``) are included: this is the XML for libvirt. Use
        :meth:`redacted_xml` for anything that may be logged.
        """
        node = self._root()
        element = copy.deepcopy(node if node is not None else self._new_element())
        element.tail = None
        if pretty:
            etree.indent(element, space="  ")
            return etree.tostring(element, encoding="unicode") + "\n"
        return etree.tostring(element, encoding="unicode")

    def redacted_xml(self, pretty=True):
        """Like :meth:`to_xml`, with every secret attribute masked.

        This is the form to log.
        """
        element = parse_xml(self.to_xml(pretty=False))
        for node in element.iter():
            for name in SECRET_ATTRIBUTES.intersection(node.attrib):
                node.set(name, "***")
        if not pretty:
            return etree.tostring(element, encoding="unicode")
        etree.indent(element, space="  ")
        return etree.tostring(element, encoding="unicode") + "\n"

    def __repr__(self):
        return "<%s %s>" % (type(self).__name__, self.redacted_xml(pretty=False))

    def __eq__(self, other):
        if not isinstance(other, XMLObject):
            return NotImplemented
        mine, theirs = self._root(), other._root()
        if mine is None or theirs is None:
            return self is other
        return mine is theirs

    def __hash__(self):
        return id(self._root()) if self._root() is not None else id(self)

    # Element access used by the property descriptors ------------------------

    def _root(self, create=False):
        if self._node is None and self._anchor is not None:
            parent, path = self._anchor
            node = parent._find(path)
            if node is None and create:
                node = parent._make(path)
            self._node = node
        return self._node

    def _find(self, path):
        """First element matching ``path``'s steps, or None."""
        node = self._root()
        for step in path.steps:
            if node is None:
                return None
            node = next((c for c in node if step.matches(c)), None)
        return node

    def _find_all(self, path):
        """All elements matching ``path``, in document order (XPath-like)."""
        node = self._root()
        nodes = [] if node is None else [node]
        for step in path.steps:
            nodes = [child for node in nodes for child in node if step.matches(child)]
        return nodes

    def _make(self, path, new_last=False):
        """Return the element at ``path``, creating missing elements.

        With ``new_last`` a new element is always created for the last step
        (used to append to lists).
        """
        node = self._root(create=True)
        for depth, step in enumerate(path.steps):
            is_last = depth == len(path.steps) - 1
            found = None
            if not (is_last and new_last):
                found = next((c for c in node if step.matches(c)), None)
            if found is None:
                found = new_element(step.tag, dict(step.preds))
                self._insert(node, found, path.steps[:depth])
            node = found
        return node

    def _insert(self, parent, child, parent_steps):
        """Insert ``child`` into ``parent`` at libvirt's position for its tag."""
        order = self._child_order().get(tuple(s.tag for s in parent_steps), {})
        rank = order.get(child.tag)
        if rank is not None:
            for sibling in parent:
                other = order.get(sibling.tag)
                if other is not None and other > rank:
                    sibling.addprevious(child)
                    return
        parent.append(child)

    def _remove(self, path, text_only=False):
        """Remove the value at ``path`` and any elements left empty by it.

        With ``text_only`` an element that still has attributes or children
        only loses its text (``<model fallback='allow'>`` keeps its fallback).
        """
        node = self._find(path)
        if node is None:
            return
        if path.attr is not None:
            node.attrib.pop(path.attr, None)
        elif node is self._root() or (text_only and not _is_empty_but_text(node)):
            node.text = None
        else:
            parent = node.getparent()
            parent.remove(node)
            node = parent
        self._prune(node)

    def _prune(self, node):
        root = self._root()
        while node is not root and node is not None and _is_empty(node):
            parent = node.getparent()
            parent.remove(node)
            node = parent

    @classmethod
    def _child_order(cls):
        """Map parent-path keys to ``{tag: rank}``, cached per class."""
        cached = cls.__dict__.get("_order_cache")
        if cached is not None:
            return cached
        paths = [xpath.parse(p, cls.NSMAP) for p in cls.CHILD_ORDER]
        paths += [d._path for d in _declared_descriptors(cls)]
        order = {}
        for path in paths:
            for depth, step in enumerate(path.steps):
                if step.tag == "*":
                    continue
                ranks = order.setdefault(path.key[:depth], {})
                ranks.setdefault(step.tag, len(ranks))
        cls._order_cache = order
        return order


def new_element(tag, attrib=None):
    """Create an element, giving a namespaced tag its registered prefix."""
    nsmap = None
    if tag.startswith("{"):
        uri = tag[1:].split("}", 1)[0]
        if uri in _PREFIXES:
            nsmap = {_PREFIXES[uri]: uri}
    return etree.Element(tag, attrib or {}, nsmap=nsmap)


def _is_empty_but_text(node):
    return not len(node) and not node.attrib


def _is_empty(node):
    return not len(node) and not node.attrib and not (node.text or "").strip()


def _declared_descriptors(cls):
    """Every descriptor of ``cls`` and its bases, base classes first."""
    seen = []
    for klass in reversed(cls.__mro__):
        for value in vars(klass).values():
            if isinstance(value, properties.Descriptor):
                seen.append(value)
    return seen

