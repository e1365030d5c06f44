"""Standard-layout data integration (標準レイアウト連携): the layouts as data files, the reading and
writing of their files (encodings, CSV and fixed-width forms, 和暦 dates), and the residents import
and export built on them (docs/standard-spec.md)."""
