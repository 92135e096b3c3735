"""Services: the operations commands call. They return data; they never print."""
