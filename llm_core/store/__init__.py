"""The log store: every response, rating and vote appended to CSV (`csv_store`), read back as typed tables
(`read`, `parse`, `dialect`), with cells made safe for spreadsheets (`cells`) and the columns named once (`columns`);
or kept in SQLite or PostgreSQL (`database`, its schema in `tables`) when `backend` finds SWITCHBOARD_DATABASE_URL,
with `transfer` moving logs between the two.

May import the core's foundation (`errors`, `record`, `redact`) and nothing above it.
"""
