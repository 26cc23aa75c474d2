"""The filter AST rendered for each target, one module per target, one interface:

    render(expr, table) -> str | ColumnElement

- `soql.render(expr, table)`: Salesforce SOQL condition text (the table is not needed);
- `odata.render(expr, table)`: a Dataverse `$filter` (lookups, choices and GUIDs need
  the table's describe);
- `sql.render(expr, table)`: a SQLAlchemy condition over a campaign `Table`, values as
  bound parameters.

Each renders a bound and validated tree (`crmlink.filters.bind`, `validate`): a `Param`
or `Template` left in it is a FilterError (`ast.unbound`), never raw text. Each handles
every `ast.Expr` class (tests/filters/test_render.py checks it). Renderers use
`crmlink.model` types only: they sit below the connectors.
"""
