"""A minimal resource-provider tree for services that are not Nova.

It has the three methods drivers call in ``update_provider_tree``; Nova's
``ProviderTree`` can be passed instead.
"""

import copy


class ProviderData:
    def __init__(self, name):
        self.name = name
        self.inventory = {}
        self.traits = set()


class ProviderTree:
    def __init__(self, *names):
        self._providers = {name: ProviderData(name) for name in names}

    def data(self, name):
        """A copy of provider *name*'s data (KeyError for an unknown name)."""
        return copy.deepcopy(self._providers[name])

    def update_inventory(self, name, inventory, generation=None):
        self._providers[name].inventory = copy.deepcopy(inventory)

    def update_traits(self, name, traits, generation=None):
        self._providers[name].traits = set(traits)

    def has_traits(self, name, traits):
        return set(traits) <= self._providers[name].traits
