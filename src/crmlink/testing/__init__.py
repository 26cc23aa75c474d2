"""The connector conformance suite: every connector runs it against its sandbox.

class TestMyCrm(ConnectorConformance):
    @pytest.fixture(scope="class")
    def connector(self, my_sandbox): ...
    @pytest.fixture(scope="class")
    def spec(self): return ConformanceSpec(table="Contact", ...)
"""

from __future__ import annotations

from crmlink.testing.conformance import ConformanceSpec, ConnectorConformance

__all__ = ["ConformanceSpec", "ConnectorConformance"]
