"""The HTTP-facing rules every front end applies the same way: body checks (`body`), conditional
requests (`conditional`), request ids and response headers (`context`), the protocol-error table
(`errors`) and the OpenAPI error rows (`openapi`).

The services never import this package (an import-linter contract in pyproject.toml keeps them
out): a front end parses what HTTP sends and hands them plain values, such as
`core.etags.IfMatch`.
"""
