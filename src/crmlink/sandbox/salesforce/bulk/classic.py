class ClassicJobs:
    def __init__(self, service) -> None:
        self.service = service
