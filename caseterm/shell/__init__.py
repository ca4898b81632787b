"""The parts of `caseterm.app.CasetermApp`, one module each (issue 26: app.py a shell).

- `startup`: the light start, the store worker, the file check and the due list's refreshes;
- `screen_lock`: hide and idle lock, unlock, toasts held while locked;
- `routes`: opening a client, a note, the schedule; drafts, quit, due items' targets;
- `terminal`: signals, every frame made printable, the crash handler;
- `heap`: the start-up's long-lived objects kept out of the garbage collector's walks.

Each is a mixin of the app (plain classes: Textual's `@on` handlers stay on the app,
which hands the messages on here). Nothing here imports `caseterm.app`.
"""
