from crmlink.cli import app

app()
