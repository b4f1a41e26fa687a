"""The investigation desk: timeline, connections network and evidence paths, computed once from
the built graph (kg.desk.model) for the pages of kg.web and the `kg paths` command."""
