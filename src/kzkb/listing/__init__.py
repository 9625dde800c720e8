"""Which files a KB holds and what changed: the walk (scan), what a refresh
asks of a change source and the wire it comes over (protocol), the scan forked
at start-up (prescan), and the watcher (client, daemon).

Dependencies point one way: scan and protocol need nothing of kzkb;
client needs protocol; daemon needs protocol and scan; prescan needs all but
daemon.
"""
