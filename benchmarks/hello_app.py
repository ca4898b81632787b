"""The baseline for start-up and memory: a bare Textual "hello" app.

Header, one line of text, footer — what any Textual app pays before it shows
anything. Run like caseterm, in its own interpreter: `python benchmarks/hello_app.py`.
"""

from textual.app import App, ComposeResult
from textual.widgets import Footer, Header, Static


class HelloApp(App[None]):
    BINDINGS = [("q", "quit", "Quit")]

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("Hello")
        yield Footer()


if __name__ == "__main__":
    HelloApp().run()
