"""A randomized soak of three hosts on loopback, with forged records among the operations.

Usage (from the root of a clone or worktree of the repository, its `.venv` installed with the
test tools; the run puts its own repository first on `sys.path`):

    FAULT_EVERY=5 ATTACK_EVERY=10 .venv/bin/python -m scripts.soak SEED MINUTES [ROOT]

ROOT (default: <temp dir>/peers-soak-SEED, must not exist) holds the three hosts, ops.log
(every operation, fault and attack) and, at the end, forged.json (every forged record, where
it was refused and why); the outcome is printed. CHECK_EVERY (s, default 180) spaces the
checks. Not a test: nothing under tests/ imports it (it runs for minutes, with real relays and
nats-servers). The design is in docs/relay.md, "A randomized
soak of three hosts" and "A randomized soak with forged rows".

Hub A and leaves B, C (tests/relay_helpers.federation, each relay its own session); users
a1, a2, b1, b2, c1, c2 (and up to 6 more invited on the way) in g1 (founded on A), g2 (B), g3
(C). Random operations (send, reply, react, edit, delete, topic, role, remove, invite+join),
faults (SIGSTOP of a leaf's relay or nats-server, SIGKILL of a leaf's or the hub's relay) at
exponential intervals (mean FAULT_EVERY s) and attacks (mean ATTACK_EVERY s):

- rows written straight into one host's group file (peers_tui.testing.forge) signed with keys
  the soak holds: a removed member's post under the state before the removal, a reader's post,
  an outsider's post, a writer's edit of someone else's message, a backdated post, a copy of a
  genuine row of another group, a genuine record with its body (and id, place) altered under
  the old signature, junk rows (wrong types; invalid UTF-8), an invite minted by a writer;
- the same kinds published on a leaf's inbound subject with the leaf relay's credential;
- membership changes (forge_changes): a role change or removal signed by a writer or reader,
  a removed admin's change (after his removal, or at the place after a state in which he was
  admin: a fork), an outsider's join countersigned by a key no invite names, a member's handle
  change at a place taken (a fork), and a race of a valid change written into a file with a
  genuine one made on the founder's host; into a file, published, or proposed to the hub;
- reactions, edits and deletions (forge_conversation) of honest users' messages by an
  outsider, a removed member, a writer who is not the author (a deletion), or copied from
  another group; into a file or published.

The attackers are users of their own (per host: w writer, r reader, z removed, d removed
admin, o outsider;
per leaf: p, a writer for published records), members from the set-up on, never acting
otherwise and never a target of the random operations. Every forged record is listed (kind,
how, host, group, id, hash). Every 3 minutes and at the end, all faults healed and the relays
quiet: (1) no forged record shown as genuine anywhere (absent from `peers log --json` or
"verified": false), none in the file of a host but where it was dropped, each listed by
`peers relay rejected --json` on the host that refused it; (2) the genuine rows (id, body,
edited, deleted, reactions, author, verified) the same set on every host, no id twice, the
members the same; (3) `peers verify` ok everywhere except a host/group holding dropped rows,
where its FAILED lines name exactly those rows (or their forgers); (4) no traceback in any
command's or relay's stderr, every refusal one line.

The modules: __main__ (arguments, main loop, counts and report), journal (the random source,
counts, ops.log, defects), hosts (the hosts, users, groups, relays started), faults,
operations (the users' random commands, each outcome classed), attacks (the forged records),
forge_changes (forged membership changes), forge_conversation (forged reactions, edits and
deletions), publishing (a record published on a leaf's inbound subject or proposed to the
hub), checks (the quiet wait and the four checks), heads (the membership heads compared).
"""
