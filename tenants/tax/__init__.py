"""Municipal taxes (市町村税): 個人住民税, 法人住民税 and 固定資産税.

Today only the pure calculation engines (``juminzei``, ``hojin``, ``kotei``) with their rate tables as
data; the application (models, services, pages) comes later. See docs/tax.md.
"""
