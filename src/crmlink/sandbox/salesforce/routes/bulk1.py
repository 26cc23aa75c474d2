def routes(sandbox) -> list:
    return []
