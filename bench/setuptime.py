"""A pytest plugin that sums the setup time of the tests using a fixture: `-p bench.setuptime`.

Setup time is where test data is built, and it is less sensitive to a loaded machine than the wall time of the whole
run. Prints, at the end, the number of tests that use the `wizard` fixture and the sum of their setup times.
"""

from typing import Any

import pytest

FIXTURE = "wizard"


def pytest_runtest_setup(item: pytest.Item) -> None:
    # user_properties travel with the reports from xdist workers to the controller.
    item.user_properties.append(("uses_fixture", FIXTURE in getattr(item, "fixturenames", ())))


class _Sum:
    def __init__(self) -> None:
        self.count, self.seconds = 0, 0.0

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if report.when == "setup" and dict(report.user_properties).get("uses_fixture"):
            self.count += 1
            self.seconds += report.duration

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        terminalreporter.write_line(
            f"setup of the {self.count} tests using the `{FIXTURE}` fixture: {self.seconds:.1f} s in all, "
            f"{1000 * self.seconds / max(self.count, 1):.0f} ms each"
        )


def pytest_configure(config: pytest.Config) -> None:
    config.pluginmanager.register(_Sum(), "setuptime-sum")
