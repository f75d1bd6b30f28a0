"""The app's services: plain objects that each do one job for the PeersApp and report back by
messages (hub watching, unread counts, the user's group list, moving between groups)."""
