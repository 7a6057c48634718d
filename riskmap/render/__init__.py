"""The presentation layer: printed products drawn from the registries and the risk model."""
