"""What every page and API route shares: error answers, security headers, URL
converters, paging, form submissions, template helpers, vendored scripts and the
JSON shape of diagram problems. Imports no page package and no API module."""
