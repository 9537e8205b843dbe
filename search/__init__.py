"""The search subsystem (arrives with the search issue).

It will hold the one OpenSearch client built from configuration, the index mappings and aliases,
the outbox worker that delivers database changes in bulk, and the public functions the app calls:
index, delete, query, suggest and reindex. `search/` never imports the app's views.
`search/node/` starts a real OpenSearch node for development and tests.
"""
