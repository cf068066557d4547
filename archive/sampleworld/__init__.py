"""healthwire's offline sample world: fictional health news sites served from 127.0.0.1.

A syndication story modelled on the seed aggregator page (a translated, months-late repost of
three original reports), with copies of every kind the linker must recognise, a negative case
it must not link, and the trouble a polite crawler meets (robots.txt, redirects, loops, errors,
a stall, a wrong charset). ``truth.json`` says what is true; ``SampleWorld`` serves it.
"""

from archive.sampleworld.server import RequestLog, RequestRecord, SampleWorld

__all__ = ["RequestLog", "RequestRecord", "SampleWorld"]
