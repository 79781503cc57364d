// Store: lmlab's SQLite database through GRDB.
