"""Link checking: internal links as Hugo serves them, and external ones fetched.

internal (check_links: the whole internal check) over targets, fragments,
orphans and translations, which resolve links with resolve and suggest a fix
with suggest; weblinks (check_external) over exclude (the patterns, under
a time limit) and external: plan -> guard -> cache -> client (ratelimit,
retry) -> failures. report holds the findings.
"""
