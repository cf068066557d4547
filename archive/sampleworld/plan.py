"""The plan of the sample world: which sites exist, what they publish and who copies whom.

Authored prose lives in ``content/<site>/<name>.txt``; everything that is *derived* from it
(verbatim copies, light edits, excerpts) is described here, so that the copy relations in
``truth.json`` are true by construction rather than by careful hand-copying. The generator
(``python -m archive.sampleworld.generate``) turns content + plan into ``sites/`` and
``truth.json``; the server only ever reads those generated files.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class SitemapFile:
    """One sitemap document: ``plain`` (urlset), ``news`` (Google News) or ``index``."""

    path: str
    kind: str
    children: tuple[str, ...] = ()
    articles: tuple[str, ...] | None = None  # None: every sitemap-listed article of the site


@dataclass(frozen=True)
class Listing:
    """A section page, paginated as ``base``, ``base + 'page/2/'``, ... ``per_page`` items each.

    ``items`` are article ids or ``("href", "title")`` pairs for links to trouble pages that are
    not articles (a removed post, a stalling post, an old URL that redirects).
    """

    path: str
    title: str
    items: tuple[str | tuple[str, str], ...]
    per_page: int = 10


@dataclass(frozen=True)
class Site:
    """A fictional outlet's website, served on its own port (its own origin)."""

    name: str
    outlet: str
    role: str  # original | wire | aggregator
    title: str
    lang: str
    theme: str
    feed_path: str
    feed_format: str  # rss | atom | json
    sitemaps: tuple[SitemapFile, ...]
    listings: tuple[Listing, ...] = ()
    extra_feeds: tuple[tuple[str, str], ...] = ()  # (path, format)
    disallow: tuple[str, ...] = ()
    last_modified: str = "2022-12-02T10:00:00Z"
    tagline: str = ""

    @property
    def sitemap_root(self) -> str:
        """The sitemap robots.txt announces: the index if there is one, else the first file."""
        for sm in self.sitemaps:
            if sm.kind == "index":
                return sm.path
        return self.sitemaps[0].path


@dataclass(frozen=True)
class Derived:
    """A page generated from another article's paragraphs.

    ``transform`` is one of ``verbatim``, ``edit`` (apply ``edits`` and drop paragraphs
    ``drop``), ``excerpt`` (first ``keep`` paragraphs). ``before``/``after`` are extra
    paragraphs (credit lines, "Read more at ...") wrapped around the reused text.
    """

    id: str
    path: str
    parent: str
    transform: str
    title: str | None = None
    description: str | None = None
    date: str | None = None
    author: str | None = None
    canonical_to_parent: bool = False
    edits: tuple[tuple[str, str], ...] = ()
    drop: tuple[int, ...] = ()
    keep: int = 3
    before: tuple[str, ...] = ()
    after: tuple[str, ...] = ()
    section: str | None = None


@dataclass(frozen=True)
class Relation:
    """A true copy relation: ``child`` derives from ``parents`` in the way ``kind`` says."""

    child: str
    parents: tuple[str, ...]
    kind: str
    expected: str  # the design's relation a good linker should record
    evidence: tuple[str, ...] = ()
    note: str = ""


@dataclass(frozen=True)
class NonCopy:
    """Two articles that look related but are independent reports: never a derivation."""

    a: str
    b: str
    kind: str
    note: str = ""
    shared_quote: str | None = None


@dataclass(frozen=True)
class Revision:
    """A later version of an article, served once the world's epoch reaches ``epoch``.

    Corrections and stealth edits are research data (the design's article versions); the
    server switches versions only when a test calls ``SampleWorld.set_epoch``.
    """

    id: str
    epoch: int
    kind: str  # correction | stealth_edit
    edits: tuple[tuple[str, str], ...]
    last_modified: str
    append: tuple[str, ...] = ()
    title: str | None = None
    modified: str | None = None


@dataclass
class Trouble:
    """A route that misbehaves on purpose; written to the site's routes.json and to truth."""

    site: str
    path: str
    action: str  # redirect | status | stall | serve
    kind: str  # redirect | redirect_loop | not_found | server_error | stall | wrong_charset
    params: dict[str, object] = field(default_factory=dict)
    note: str = ""


# Paths reused in several places ---------------------------------------------------------------

NYT_SLEEP_OLD = "/2022/03/14/health/teens-sleep.html"
HND_REMOVED = "/health/this-post-was-removed/"
HND_SLOW = "/health/slow-loading-post/"
WF_LOOP_A = "/redirect/loop-a"
WF_LOOP_B = "/redirect/loop-b"
MS_BROKEN = "/releases/2022/10/221012000000.htm"
SLATE_CANICULE = "/sante/229450/canicule-personnes-agees-conseils-chaleur/"

STORY_SEED = "healthnewsdigest/seed-rectal-cancer"

SITES: tuple[Site, ...] = (
    Site(
        name="independent",
        outlet="The Independent",
        role="original",
        title="The Independent",
        lang="en-GB",
        theme="news",
        tagline="Independent journalism, health and families",
        feed_path="/news/health/rss.xml",
        feed_format="rss",
        sitemaps=(
            SitemapFile("/sitemap.xml", "index",
                        children=("/sitemaps/googlenews.xml", "/sitemaps/articles-2022.xml")),
            SitemapFile("/sitemaps/googlenews.xml", "news"),
            SitemapFile("/sitemaps/articles-2022.xml", "plain"),
        ),
        listings=(
            Listing("/topic/health/", "Health", (
                "independent/steps-dementia",
                "independent/heatwave",
                "independent/hay-fever",
                "independent/rectal-cancer-trial",
                "independent/private-embargoed",
            )),
        ),
        disallow=("/private/",),
    ),
    Site(
        name="nytimes",
        outlet="The New York Times",
        role="original",
        title="The New York Times",
        lang="en-US",
        theme="news",
        tagline="Health",
        feed_path="/section/health/atom.xml",
        feed_format="atom",
        sitemaps=(SitemapFile("/sitemap.xml", "news"),),
        listings=(
            Listing("/section/health/", "Health", (
                "nytimes/rsv",
                "nytimes/legionnaires",
                "nytimes/rectal-cancer-trial",
                (NYT_SLEEP_OLD, "Teenagers Who Sleep Less Than Seven Hours Report More Anxiety"),
            )),
        ),
    ),
    Site(
        name="npr",
        outlet="NPR",
        role="original",
        title="NPR",
        lang="en-US",
        theme="news",
        tagline="Shots - Health News",
        feed_path="/rss/health.xml",
        feed_format="rss",
        extra_feeds=(("/feeds/health.json", "json"),),
        sitemaps=(SitemapFile("/sitemap.xml", "plain"),),
        listings=(
            Listing("/sections/health/", "Health", (
                "npr/legionnaires",
                "npr/paxlovid",
                "npr/rectal-cancer-trial",
                "npr/loneliness",
            ), per_page=3),
        ),
    ),
    Site(
        name="slate-fr",
        outlet="Slate.fr",
        role="original",
        title="Slate.fr",
        lang="fr-FR",
        theme="slate",
        tagline="Sciences, santé, société",
        feed_path="/rss.xml",
        feed_format="rss",
        sitemaps=(SitemapFile("/sitemap.xml", "plain"),),
        listings=(
            Listing("/sciences/", "Sciences et santé", (
                "slate-fr/canicule",
                "slate-fr/rectal-cancer-trial",
            )),
        ),
    ),
    Site(
        name="uninews",
        outlet="Northbridge University",
        role="original",
        title="Northbridge University News",
        lang="en-US",
        theme="press",
        tagline="Office of Communications",
        feed_path="/news/feed.xml",
        feed_format="rss",
        sitemaps=(SitemapFile("/sitemap.xml", "plain"),),
    ),
    Site(
        name="conversation",
        outlet="The Conversation",
        role="original",
        title="The Conversation",
        lang="en-GB",
        theme="news",
        tagline="Academic rigour, journalistic flair",
        feed_path="/articles.atom",
        feed_format="atom",
        sitemaps=(SitemapFile("/sitemap.xml", "plain"),),
    ),
    Site(
        name="apnews",
        outlet="Associated Press",
        role="wire",
        title="AP News",
        lang="en-US",
        theme="news",
        tagline="Health",
        feed_path="/hub/health/rss.xml",
        feed_format="rss",
        sitemaps=(SitemapFile("/sitemap.xml", "news"),),
    ),
    Site(
        name="healthnewsdigest",
        outlet="Health News Digest",
        role="aggregator",
        title="Health News Digest",
        lang="en-US",
        theme="digest",
        tagline="Your daily dose of health news",
        feed_path="/feed/",
        feed_format="rss",
        sitemaps=(
            SitemapFile("/sitemap_index.xml", "index", children=("/post-sitemap.xml",)),
            SitemapFile("/post-sitemap.xml", "plain"),
        ),
        listings=(
            Listing("/category/health/", "Health", (
                STORY_SEED,
                "healthnewsdigest/paxlovid",
                (HND_SLOW, "Doctors answer your questions about winter flu"),
                "healthnewsdigest/immune-habits",
                "healthnewsdigest/heatwave",
                (HND_REMOVED, "Miracle berry cures diabetes, say researchers"),
            ), per_page=3),
        ),
        disallow=("/wp-admin/",),
    ),
    Site(
        name="wirefeed",
        outlet="Wirefeed",
        role="aggregator",
        title="Wirefeed",
        lang="en-US",
        theme="portal",
        tagline="News from the world's best sources",
        feed_path="/feed.json",
        feed_format="json",
        extra_feeds=(("/rss.xml", "rss"),),
        sitemaps=(SitemapFile("/sitemap.xml", "plain"),),
        listings=(
            Listing("/en-us/health/", "Health", (
                "wirefeed/measles",
                "wirefeed/rsv",
                "wirefeed/teen-sleep",
                (WF_LOOP_A, "Top stories this hour"),
            )),
        ),
    ),
    Site(
        name="medsummary",
        outlet="MedSummary",
        role="aggregator",
        title="MedSummary",
        lang="en-US",
        theme="releases",
        tagline="Your source for the latest research news",
        feed_path="/atom.xml",
        feed_format="atom",
        sitemaps=(SitemapFile("/sitemap.xml", "plain"),),
        listings=(
            Listing("/news/health/", "Health & Medicine News", (
                "medsummary/cold-water-swimming",
                "medsummary/steps-dementia",
                "medsummary/loneliness",
                (MS_BROKEN, "New blood test spots pancreatic cancer early"),
            )),
        ),
    ),
)

SITE_BY_NAME: dict[str, Site] = {s.name: s for s in SITES}


def _link(site: str, path: str, text: str) -> str:
    """A cross-site anchor with a ``{{site:NAME}}`` placeholder resolved at serve time."""
    return f'<a href="{{{{site:{site}}}}}{path}">{text}</a>'


NPR_LONELINESS = "/sections/health-shots/2022/04/20/1093011/loneliness-heart-disease-older-adults/"

DERIVED: tuple[Derived, ...] = (
    # A portal's verbatim syndicated copy, canonical pointing back to the original.
    Derived(
        id="wirefeed/teen-sleep",
        path="/en-us/health/teenagers-who-sleep-less-report-more-anxiety/ar-AA18xK2p/",
        parent="nytimes/teen-sleep",
        transform="verbatim",
        date="2022-03-15T11:30:00+00:00",
        canonical_to_parent=True,
    ),
    # The same kind of copy, but the portal page states no date of its own.
    Derived(
        id="wirefeed/rsv",
        path="/en-us/health/an-early-surge-of-rsv-is-filling-childrens-hospitals/ar-AA13Bq7t/",
        parent="nytimes/rsv",
        transform="verbatim",
        date=None,
        canonical_to_parent=True,
    ),
    # A wire story carried verbatim with its "(AP) —" dateline.
    Derived(
        id="wirefeed/measles",
        path="/en-us/news/world/measles-threat-is-growing-who-and-cdc-say/ar-AA14mQz9/",
        parent="apnews/measles",
        transform="verbatim",
        date="2022-11-23T15:10:00+00:00",
        canonical_to_parent=True,
    ),
    # An aggregator's lightly edited repost (near duplicate), a week later.
    Derived(
        id="healthnewsdigest/heatwave",
        path="/health/heatwave-doctors-urge-everyone-to-check-on-elderly-neighbours/",
        parent="independent/heatwave",
        transform="edit",
        title="Heatwave: doctors urge everyone to check on their elderly neighbours",
        description="Older people living alone are most at risk when temperatures soar.",
        date="2022-07-25T06:30:00+00:00",
        author="Health News Digest",
        edits=(
            ("Doctors have urged the public to check on",
             "Doctors are urging everyone to check on"),
            ("are forecast to climb above 40C in parts of England for the first time on record",
             "climb above 40C in parts of England for the first time ever"),
            ("Dr Amira Haddad, a GP in Leicester, said",
             "Leicester GP Dr Amira Haddad explained that"),
            ("Charities said the risk was greatest",
             "According to charities, the risk is greatest"),
        ),
        drop=(6,),
    ),
    # The press-release chain: university release -> MedSummary copy with its "Story Source".
    Derived(
        id="medsummary/steps-dementia",
        path="/releases/2022/09/220909101512.htm",
        parent="uninews/steps-dementia",
        transform="edit",
        title="Brisk daily walking linked to lower dementia risk",
        description="Benefits begin at around 3,800 steps a day and grow with pace, study finds.",
        date="2022-09-09T10:15:12-04:00",
        author="Northbridge University",
        edits=(("NORTHBRIDGE — ", ""), ("analysed", "analyzed")),
        drop=(7,),
        after=(
            "<strong>Story Source:</strong> Materials provided by "
            + _link("uninews", "/news/2022/09/08/daily-steps-dementia-risk/",
                    "Northbridge University")
            + ". Note: Content may be edited for style and length.",
        ),
    ),
    # A Creative Commons republication, verbatim, with the required credit line.
    Derived(
        id="medsummary/cold-water-swimming",
        path="/releases/2022/10/221005093344.htm",
        parent="conversation/cold-water-swimming",
        transform="verbatim",
        date="2022-10-05T09:33:44-04:00",
        canonical_to_parent=True,
        after=(
            "This article is republished from "
            + _link("conversation", "/", "The Conversation")
            + " under a Creative Commons license. Read the "
            + _link("conversation", "/cold-water-swimming-what-the-science-says-190312/",
                    "original article")
            + ".",
        ),
    ),
    # An excerpt: the first paragraphs and a "Read more at" link; the page has no date.
    Derived(
        id="medsummary/loneliness",
        path="/news/loneliness-heart-disease-older-adults/",
        parent="npr/loneliness",
        transform="excerpt",
        keep=3,
        date=None,
        after=("Read more at " + _link("npr", NPR_LONELINESS, "NPR") + ".",),
    ),
)

RELATIONS: tuple[Relation, ...] = (
    Relation(STORY_SEED, ("slate-fr/rectal-cancer-trial",), "translated_rewrite", "cites",
             ("translation", "trace: Sign up for the Slate newsletter"),
             "English translation of the Slate.fr article; only the stray newsletter line "
             "names the middle hop."),
    Relation(STORY_SEED, ("independent/rectal-cancer-trial", "nytimes/rectal-cancer-trial",
                          "npr/rectal-cancer-trial"), "quote_rewrite", "partial_reuse",
             ("quotes", "credits", "links"),
             "Keeps the originals' quotes verbatim and credits them in prose "
             "(reports The Independent, told the New York Times, explains to NPR)."),
    Relation("slate-fr/rectal-cancer-trial", ("independent/rectal-cancer-trial",
                                              "nytimes/rectal-cancer-trial",
                                              "npr/rectal-cancer-trial"),
             "translated_rewrite", "cites", ("credits", "links", "translated quotes"),
             "French rewrite of the three English reports; quotes translated."),
    Relation("healthnewsdigest/heatwave", ("independent/heatwave",), "near_duplicate",
             "near_duplicate", ("shared text",), "Light edits, one paragraph dropped."),
    Relation("healthnewsdigest/paxlovid", ("npr/paxlovid",), "quote_rewrite", "partial_reuse",
             ("quotes", "credits", "links"), "New prose around three NPR quotes."),
    Relation("wirefeed/teen-sleep", ("nytimes/teen-sleep",), "duplicate", "duplicate",
             ("shared text", "canonical"), "Portal syndication with canonical link."),
    Relation("wirefeed/rsv", ("nytimes/rsv",), "duplicate", "duplicate",
             ("shared text", "canonical"), "Portal syndication; the copy states no date."),
    Relation("wirefeed/measles", ("apnews/measles",), "duplicate", "duplicate",
             ("shared text", "canonical", "dateline: (AP) —"), "Wire copy."),
    Relation("medsummary/steps-dementia", ("uninews/steps-dementia",), "near_duplicate",
             "near_duplicate", ("shared text", "credit: Story Source"),
             "Press-release chain copy; dateline and media contact removed."),
    Relation("medsummary/cold-water-swimming", ("conversation/cold-water-swimming",),
             "duplicate", "duplicate", ("shared text", "canonical", "credit: republished"),
             "Creative Commons republication."),
    Relation("medsummary/loneliness", ("npr/loneliness",), "excerpt", "excerpt",
             ("shared text", "link: Read more at"), "First three paragraphs; no date."),
    Relation("independent/steps-dementia", ("uninews/steps-dementia",), "partial_reuse",
             "partial_reuse", ("shared passages",),
             "A new article that reuses two paragraphs of the press release."),
)

# Credit lines in article bodies, as an extractor should find them: (phrase, outlet credited).
# Traces (a stray line that names a hop without crediting it) are listed separately.
CREDITS: dict[str, tuple[tuple[str, str], ...]] = {
    STORY_SEED: (("reports The Independent", "The Independent"),
                 ("told the New York Times", "The New York Times"),
                 ("explains to NPR", "NPR")),
    "slate-fr/rectal-cancer-trial": (("rapporte The Independent", "The Independent"),
                                     ("a déclaré au New York Times", "The New York Times"),
                                     ("explique à NPR", "NPR")),
    "healthnewsdigest/paxlovid": (("told NPR", "NPR"),),
    "medsummary/steps-dementia": (("Materials provided by Northbridge University",
                                   "Northbridge University"),),
    "medsummary/cold-water-swimming": (("republished from The Conversation",
                                        "The Conversation"),),
    "medsummary/loneliness": (("Read more at NPR", "NPR"),),
    "wirefeed/measles": (("(AP) —", "Associated Press"),),
}
TRACES: dict[str, tuple[tuple[str, str], ...]] = {
    STORY_SEED: (("Sign up for the Slate newsletter", "Slate.fr"),),
}

# Dates on a page that are not its publication date, for extraction tests to explain failures.
DATE_TRAPS: dict[str, tuple[str, ...]] = {
    STORY_SEED: ("header date line 'Friday, December 2, 2022' (happens to match)",
                 "prose names the original study's date: June 5, 2022",
                 "Most Popular block carries other posts' dates"),
    "healthnewsdigest/immune-habits": ("the header date line is the only date on the page",),
    "healthnewsdigest/heatwave": ("header date line 'Friday, December 2, 2022'",
                                  "Most Popular block carries other posts' dates"),
    "healthnewsdigest/paxlovid": ("header date line 'Friday, December 2, 2022'",
                                  "Most Popular block carries other posts' dates",
                                  "prose: 'Since July'"),
    "wirefeed/rsv": ("no date of its own; the canonical URL carries the original's date "
                     "(/2022/10/25/)",),
    "medsummary/loneliness": ("no date of its own; the 'Read more at NPR' link carries the "
                              "original's date (/2022/04/20/)",),
    "wirefeed/teen-sleep": ("the canonical URL carries the original's date (/2022/03/14/)",),
}

NON_COPIES: tuple[NonCopy, ...] = (
    NonCopy("npr/legionnaires", "nytimes/legionnaires", "independent_same_quote",
            "Two independent reports of the same outbreak; both quote the same official's "
            "press-conference sentence and nothing else. Not a copy chain.",
            shared_quote="If you have a fever, a cough and muscle aches, and you have been "
                         "downtown in the past two weeks, please call your doctor and tell "
                         "them about this outbreak"),
    NonCopy("independent/rectal-cancer-trial", "nytimes/rectal-cancer-trial",
            "independent_same_event", "Separate reports of the same study."),
    NonCopy("npr/rectal-cancer-trial", "nytimes/rectal-cancer-trial",
            "independent_same_event", "Separate reports of the same study."),
    NonCopy("independent/rectal-cancer-trial", "npr/rectal-cancer-trial",
            "independent_same_event", "Separate reports of the same study."),
)

TROUBLES: tuple[Trouble, ...] = (
    Trouble("nytimes", NYT_SLEEP_OLD, "redirect", "redirect",
            {"status": 301, "location": "/2022/03/14/well/mind/teen-sleep-mental-health.html"},
            "Old URL of a moved article, linked from the section page."),
    Trouble("wirefeed", WF_LOOP_A, "redirect", "redirect_loop",
            {"status": 302, "location": WF_LOOP_B}, "Redirects to loop-b, which redirects back."),
    Trouble("wirefeed", WF_LOOP_B, "redirect", "redirect_loop",
            {"status": 302, "location": WF_LOOP_A}, "Second half of the loop."),
    Trouble("healthnewsdigest", HND_REMOVED, "status", "not_found", {"status": 404},
            "A removed post still linked from the listing and the Most Popular block."),
    Trouble("medsummary", MS_BROKEN, "status", "server_error", {"status": 500},
            "A release page whose backend fails."),
    Trouble("healthnewsdigest", HND_SLOW, "stall", "stall", {"status": 200},
            "Answers only after the world's stall time (default 60 s)."),
    Trouble("slate-fr", SLATE_CANICULE, "serve", "wrong_charset",
            {"encoding": "latin-1", "declared": "utf-8"},
            "Bytes are Latin-1 but both the header and the meta tag declare UTF-8."),
)

REVISIONS: tuple[Revision, ...] = (
    Revision(
        "nytimes/rsv", 1, "correction",
        edits=(("Eastbrook Children’s Medical Center in Hartford",
                "Eastbrook Children’s Medical Center in New Haven"),),
        append=("<em>Correction: Oct. 26, 2022</em> — An earlier version of this article "
                "misstated the location of Eastbrook Children’s Medical Center. It is in New "
                "Haven, not Hartford.",),
        modified="2022-10-26T10:05:00-04:00",
        last_modified="2022-12-03T08:00:00Z",
    ),
    Revision(
        "npr/paxlovid", 1, "stealth_edit",
        edits=(("under a change announced by the Food and Drug Administration on Wednesday",
                "under a change the Food and Drug Administration announced on July 6"),
               ("especially for people who do not have a regular doctor",
                "especially for people without a primary care provider")),
        title="Pharmacists can now prescribe Paxlovid. Here's what to bring",
        last_modified="2022-12-03T08:00:00Z",
    ),
)

# Crawl sources. ``follow`` (listing sources) is a path pattern; the server anchors it to the
# running site's base URL, since the config format's ``follow`` are regexes on whole URLs.
SOURCES: tuple[dict[str, str | int], ...] = (
    {"name": "independent-health", "site": "independent", "kind": "feed",
     "path": "/news/health/rss.xml", "schedule": "*/30 * * * *"},
    {"name": "independent-sitemap", "site": "independent", "kind": "sitemap",
     "path": "/sitemap.xml", "schedule": "0 */6 * * *"},
    {"name": "independent-topic-health", "site": "independent", "kind": "listing",
     "path": "/topic/health/", "schedule": "15 * * * *",
     "follow": r"/(news|life-style|private)/.+\.html$", "max_pages": 3},
    {"name": "nytimes-health", "site": "nytimes", "kind": "feed",
     "path": "/section/health/atom.xml", "schedule": "*/30 * * * *"},
    {"name": "nytimes-section-health", "site": "nytimes", "kind": "listing",
     "path": "/section/health/", "schedule": "45 * * * *",
     "follow": r"/\d{4}/\d{2}/\d{2}/.+\.html$", "max_pages": 3},
    {"name": "npr-health", "site": "npr", "kind": "feed",
     "path": "/feeds/health.json", "schedule": "*/30 * * * *"},
    {"name": "npr-section-health", "site": "npr", "kind": "listing",
     "path": "/sections/health/", "schedule": "5 * * * *",
     "follow": r"/sections/health-shots/\d{4}/", "max_pages": 3},
    {"name": "slate-fr", "site": "slate-fr", "kind": "feed",
     "path": "/rss.xml", "schedule": "0 * * * *"},
    {"name": "northbridge-news", "site": "uninews", "kind": "feed",
     "path": "/news/feed.xml", "schedule": "0 */2 * * *"},
    {"name": "conversation-health", "site": "conversation", "kind": "feed",
     "path": "/articles.atom", "schedule": "0 * * * *"},
    {"name": "ap-health", "site": "apnews", "kind": "sitemap",
     "path": "/robots.txt", "schedule": "*/20 * * * *"},
    {"name": "healthnewsdigest-health", "site": "healthnewsdigest", "kind": "listing",
     "path": "/category/health/", "schedule": "0 * * * *",
     "follow": r"/health/[a-z0-9-]+/$", "max_pages": 3},
    {"name": "healthnewsdigest-sitemap", "site": "healthnewsdigest", "kind": "sitemap",
     "path": "/sitemap_index.xml", "schedule": "30 */3 * * *"},
    {"name": "wirefeed-health", "site": "wirefeed", "kind": "feed",
     "path": "/feed.json", "schedule": "*/15 * * * *"},
    {"name": "medsummary", "site": "medsummary", "kind": "sitemap",
     "path": "/sitemap.xml", "schedule": "0 */4 * * *"},
    {"name": "seed-page", "site": "healthnewsdigest", "kind": "urls",
     "path": "/health/for-the-first-time-in-the-history-of-cancer-all-patients-in-a-clinical-"
             "trial-are-in-remission/", "schedule": "0 6 * * *"},
)
