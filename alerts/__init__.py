"""Saved searches, their e-mail digests and Atom feeds: being told when something new arrives on a subject."""
