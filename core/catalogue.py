"""Stable commodity keys and the friendly names users type on the command line.

Bulletin rows have no code, only an English label that GACC retouches now and then (full-width
or half-width brackets, a wrapped line, capitalisation, a trailing ``*``). ``bulletin_key``
turns a label into a slug that survives those cosmetic changes, so a series keeps one key
across vintages. The preliminary release rewords its labels across years, so it keys rows
through a table (``PRELIMINARY_SERIES``: every label seen → one key, the bulletin's where the
series is the same). Pure: no I/O.

Parent rule: the parent's slug is included **only** when the label alone is generic (see
``GENERIC_LABELS``: "Others", "Parts", "Materials", …), because such labels mean nothing
without their heading. Every other label is keyed alone, so the key does not move when GACC
re-indents a row or drops its heading: the 2026 import table lists ``Rare-earth ore, metals,
compounds`` indented under ``Polycrystalline silicon`` (its real parent row is absent), yet it
must keep the same key as the export table's child of ``Rare-earth … and articles thereof``.
``transforms.bulletin.bulletin_observations`` refuses a table in which two rows still collide.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from customs_etl.core.errors import CustomsEtlError

BULLETIN_PREFIX = "bulletin:"

# Labels that need their heading to mean anything (compared after normalisation).
GENERIC_LABELS = frozenset(
    {
        "other",
        "others",
        "of which",
        "parts",
        "parts thereof",
        "parts and accessories",
        "accessories",
        "materials",
        "electronic",
        "other technologies",
        "total",
    }
)


@dataclass(frozen=True)
class TariffLine:
    """One China customs code (10 digits, as the announcement lists it) and where it is cited."""

    code: str
    description: str
    announcement: str

    @property
    def tariff_line(self) -> str:
        """The 8-digit line query-platform exports use (the first 8 of the 10 digits)."""
        return self.code[:8]


@dataclass(frozen=True)
class CommoditySpec:
    """What a friendly name stands for: the series key, which source carries it, its label.

    Watchlist entries (``watch``) also carry China's tariff lines (for GACC exports), each with
    the announcement that lists it, and the HS6 codes the same goods fall under internationally
    (for UN Comtrade: China's reported exports and the partners' mirror imports).
    """

    name: str
    code: str
    source: str
    label: str
    flow: str | None = None
    note: str = ""
    focus: tuple[str, ...] = ()  # partners the brief always reports on (ISO alpha-2)
    lines: tuple[TariffLine, ...] = ()
    hs6: tuple[str, ...] = ()
    watch: bool = False

    @property
    def tariff_lines(self) -> tuple[str, ...]:
        """China's 8-digit lines of the entry, in catalogue order, each once."""
        return tuple(dict.fromkeys(line.tariff_line for line in self.lines))

    @property
    def announcements(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(line.announcement for line in self.lines))


def _slug_words(label: str) -> list[str]:
    """Lower-case words of a label: NFKC (full-width → half-width), brackets/punctuation/``*``
    dropped, ``&`` read as ``and``, hyphens kept inside words only."""
    text = unicodedata.normalize("NFKC", label).lower().replace("&", " and ")
    text = re.sub(r"['’`]", "", text)
    text = re.sub(r"[^a-z0-9\-]+", " ", text)
    text = re.sub(r"\s*-\s*", "-", text)
    return [w.strip("-") for w in text.split() if w.strip("-")]


def slugify(label: str) -> str:
    """``Rare-earth ore, metals, compounds`` → ``rare-earth-ore-metals-compounds``."""
    slug = re.sub(r"-{2,}", "-", "-".join(_slug_words(label)))
    if not slug:
        raise CustomsEtlError(f"cannot build a commodity key from label {label!r}")
    return slug


def is_generic_label(label: str) -> bool:
    """True for labels such as 'Others' that need their parent to be unambiguous."""
    return " ".join(_slug_words(label)).replace("-", " ") in GENERIC_LABELS


def bulletin_key(label: str, parent_label: str | None = None) -> str:
    """Stable key of a bulletin row, e.g. ``bulletin:rare-earth-ore-metals-compounds``.

    Generic labels become ``bulletin:<parent-slug>/<label-slug>`` (see the module docstring).
    """
    slug = slugify(label)
    if parent_label and is_generic_label(label):
        return f"{BULLETIN_PREFIX}{slugify(parent_label)}/{slug}"
    return f"{BULLETIN_PREFIX}{slug}"


# --------------------------------------------------------------------------- preliminary keys


@dataclass(frozen=True)
class SeriesKey:
    """One row series of GACC's English preliminary release, tables (5) exports / (6) imports.

    ``labels`` are every English label the series was printed under (the label drifts across
    years: ``Rare Earth`` 2019, ``Rare earth`` 2025, ``Rare-earth ore, metals, compounds``
    2026), ``chinese`` the Chinese table's label, ``key`` the one ``commodity_code`` they all
    load under — the bulletin's key where the bulletin prints the same series, so the two
    channels of one series can be set side by side. ``unit`` is the quantity unit the Chinese
    table prints (in the English page's spelling; None: value only) and ``band`` the plausible
    value per base unit in CNY (per kg for masses, per item/pair otherwise): both only decide
    which of two printed units a row's figures are in, when the page's unit contradicts its
    figures (the readings differ 10,000-fold, the bands span far less).
    """

    key: str
    labels: tuple[str, ...]
    chinese: str
    unit: str | None = None
    band: tuple[float, float] | None = None
    aggregate: bool = False  # a '*' row: overlaps the rows it lists, never their sum


def _series(
    key_label: str,
    labels: tuple[str, ...],
    chinese: str,
    unit: str | None = None,
    band: tuple[float, float] | None = None,
) -> SeriesKey:
    return SeriesKey(
        key=bulletin_key(key_label),
        labels=labels,
        chinese=chinese,
        unit=unit,
        band=band,
        aggregate=key_label.rstrip().endswith("*"),
    )


T10K, TON = "10,000 Tons", "Ton"
# Labels seen on real pages (2019, 2025 tables (5); 2026 rare earths) and the Chinese table of
# December 2025. The first argument is the label whose slug is the key: the bulletin's label
# where the bulletin carries the same series (same Chinese name), else the preliminary's own.
PRELIMINARY_SERIES: tuple[SeriesKey, ...] = (
    _series("Agriculture products*", ("Agricultural products*",), "农产品*"),
    _series("Aquatic products", ("Aquatic products",), "水产品", T10K, (3, 300)),
    _series("Grain food", ("Grain",), "粮食", T10K, (0.4, 40)),
    _series("Refined petroleum products", ("Petroleum products",), "成品油", T10K, (0.5, 50)),
    _series(
        "Rare-earth ore, metals, compounds",
        ("Rare Earth", "Rare earth", "Rare-earth ore, metals, compounds"),
        "稀土",
        TON,
        (1, 1_000),
    ),
    _series(
        "Medicinal materials and medicaments of Chinese type",
        ("Medicinal materials and medicaments of Chinese type",),
        "中药材及中式成药",
        TON,
        (5, 2_000),
    ),
    _series("Fertilizers", ("Fertilizers",), "肥料", T10K, (0.2, 30)),
    _series("Plastic articles", ("Plastic products",), "塑料制品"),
    _series(
        "Suit-cases, hand bags and similar containers",
        ("Suitcases, handbags and similar containers",),
        "箱包及类似容器",
        T10K,
        (5, 1_000),
    ),
    _series(
        "Textile yarn, fabrics and articles thereof",
        ("Textile yarn, fabrics and articles thereof",),
        "纺织纱线、织物及其制品",
    ),
    _series(
        "Garments and clothing accessories",
        ("Garments and clothing accessories",),
        "服装及衣着附件",
    ),
    _series("Footwear", ("Footwear",), "鞋靴", "100 Million Pairs", (2, 1_000)),
    _series("Ceramic products", ("Ceramic products",), "陶瓷产品", T10K, (0.5, 100)),
    _series("Products, of steel or iron", ("Steel products",), "钢材", T10K, (0.5, 60)),
    _series(
        "Unwrought aluminium and aluminium products",
        ("Unwrought aluminium and aluminium products",),
        "未锻轧铝及铝材",
        T10K,
        (3, 300),
    ),
    _series("Furniture and parts thereof", ("Furniture and parts thereof",), "家具及其零件"),
    _series("Toys", ("Toys",), "玩具"),
    _series(
        "Mechanical and electrical products*",
        ("Mechanical and electrical products*",),
        "机电产品*",
    ),
    _series("General machines", ("General machinery",), "通用机械设备"),
    _series(
        "Automatic data processing machines and parts thereof",
        ("Automatic data processing equipment and parts thereof",),
        "自动数据处理设备及其零部件",
    ),
    _series("Mobile phones", ("Mobile phones",), "手机", "10,000 Sets", (50, 20_000)),
    _series(
        "Electric appliances of household type",
        ("Household appliances",),
        "家用电器",
        "10,000 Sets",
        (10, 3_000),
    ),
    _series(
        "Audio or video devices and parts thereof",
        ("Audio or video devices and parts thereof",),
        "音视频设备及其零件",
    ),
    _series(
        "Integrated circuits",
        ("Integrated circuits",),
        "集成电路",
        "100 Million PCS",
        (0.1, 100),
    ),
    _series(
        "Motor vehicles(including chassis fitted with engines)",
        ("Motor vehicles（including chassis fitted with engines)",),
        "汽车（包括底盘）",
        "10,000 Autos",
        (10_000, 3_000_000),
    ),
    _series(
        "Parts and accessories of vehicle",
        ("Automotive components and parts",),
        "汽车零配件",
    ),
    _series("Ships", ("Ships",), "船舶", "Ship", (100_000, 500_000_000)),
    _series("Flat panel display", ("LCD panels",), "液晶平板显示模组", "10,000 PCS", (5, 5_000)),
    _series(
        "Medical or surgical instruments and apparatuses",
        ("Medical or surgical instruments and apparatuses",),
        "医疗仪器及器械",
    ),
    _series(
        "Lamps and lighting fittings and parts thereof",
        ("Lamps and light fittings and parts thereof",),
        "灯具、照明装置及其零件",
    ),
    _series("Hi-tech products*", ("Hi-tech products*",), "高新技术产品*"),
)


def _lookup_key(label: str) -> str:
    """How a printed label is looked up: its slug (case, brackets, ``*``, wraps ignored), or
    the Chinese label as written (NFKC, no spaces)."""
    words = _slug_words(label)
    if words:
        return "-".join(words)
    return "".join(unicodedata.normalize("NFKC", label).split())


_SERIES_BY_LABEL: dict[str, SeriesKey] = {
    _lookup_key(text): series
    for series in PRELIMINARY_SERIES
    for text in (*series.labels, series.chinese)
}


def preliminary_series(label: str) -> SeriesKey | None:
    """The key-table entry of a printed preliminary label, or None for a label not seen yet."""
    return _SERIES_BY_LABEL.get(_lookup_key(label))


def preliminary_key(label: str, parent_label: str | None = None) -> str:
    """Stable key of a preliminary row: the key table's, else the bulletin rule's slug.

    A label the table does not hold yet (a new row, a reworded one) keys like a bulletin row
    (``bulletin_key``): add it to ``PRELIMINARY_SERIES`` when a page shows it, so the series
    keeps one key across the years' labels.
    """
    found = preliminary_series(label)
    return found.key if found is not None else bulletin_key(label, parent_label)


# Announcements of MOFCOM and GACC (export controls), as listed in ../shared/reference/
# watchlist.md, which read them from reposts: check each code against the announcement's text
# before relying on it. Suspensions (2025 No. 70; clause 2 of 2024 No. 46) do not remove a line.
GA_GE = "MOFCOM/GACC Announcement 2023 No. 23 (gallium and germanium items)"
GRAPHITE = "MOFCOM/GACC Announcement 2023 No. 39 (graphite items)"
ANTIMONY = "MOFCOM/GACC Announcement 2024 No. 33 (antimony and superhard materials)"
TUNGSTEN = "MOFCOM/GACC Announcement 2025 No. 10 (tungsten, tellurium, bismuth, molybdenum, indium)"
RARE_EARTHS = "MOFCOM/GACC Announcement 2025 No. 18 (medium and heavy rare earths)"
MAGNET_LINE = "no export-control announcement: the tariff line the news desk follows"


def _lines(announcement: str, *pairs: tuple[str, str]) -> tuple[TariffLine, ...]:
    return tuple(TariffLine(code, text, announcement) for code, text in pairs)


COMMODITIES: dict[str, CommoditySpec] = {
    spec.name: spec
    for spec in (
        CommoditySpec(
            name="rare-earths",
            code=bulletin_key("Rare-earth ore, metals, compounds"),
            source="gacc_bulletin",
            label="Rare-earth ore, metals, compounds",
            flow="export",
            note="稀土; sub-row of 'Rare-earth ore, metals, compounds and articles thereof'",
            lines=_lines(
                RARE_EARTHS,
                ("2805301910", "rare-earth metals (medium and heavy)"),
                ("2846901940", "rare-earth oxides"),
                ("2846901993", "rare-earth oxides"),
                ("2846902810", "rare-earth compounds"),
                ("2846902910", "rare-earth compounds"),
                ("2846903910", "rare-earth compounds"),
                ("2846904820", "rare-earth compounds"),
                ("2846904910", "rare-earth compounds"),
                ("2846909920", "rare-earth compounds"),
            ),
            hs6=("280530", "284610", "284690"),
            watch=True,
        ),
        CommoditySpec(
            name="rare-earth-products",
            code=bulletin_key("Rare-earth ore, metals, compounds and articles thereof"),
            source="gacc_bulletin",
            label="Rare-earth ore, metals, compounds and articles thereof",
            flow="export",
            note="稀土及其制品; includes the 'rare-earths' row",
        ),
        CommoditySpec(
            name="rare-earth-magnets",
            code="85051110",
            source="gacc_query",
            label="Rare-earth permanent magnets",
            flow="export",
            note="稀土永磁铁及稀土永磁体 (HS8 85051110); 85051190 is magnets of other metals",
            focus=("US",),  # the news desk follows shipments to the United States
            lines=_lines(
                MAGNET_LINE,
                ("8505111000", "rare-earth permanent magnets (Dy-bearing NdFeB included)"),
            ),
            # HS6 850511 is every permanent magnet of metal: China's 85051110 + 85051190.
            hs6=("850511",),
            watch=True,
        ),
        CommoditySpec(
            name="gallium",
            code="81129290",
            source="gacc_query",
            label="Gallium and gallium compounds",
            flow="export",
            note="HS6 codes also cover germanium, indium, other metals and compounds",
            lines=_lines(
                GA_GE,
                ("8112929010", "gallium, unwrought; powders"),
                ("8112929090", "gallium, unwrought; powders"),
                ("8112999000", "gallium, other"),
                ("2850001901", "gallium nitride"),
                ("2825909001", "gallium oxide"),
                ("2853904030", "gallium phosphide"),
                ("2853909026", "gallium arsenide"),
                ("2853909028", "indium gallium arsenide"),
            ),
            hs6=("811292", "811299", "282590", "285000", "285390"),
            watch=True,
        ),
        CommoditySpec(
            name="germanium",
            code="81129210",
            source="gacc_query",
            label="Germanium and germanium dioxide",
            flow="export",
            note="HS6 codes also cover gallium, indium, other metals; 282560 zirconium dioxide",
            lines=_lines(
                GA_GE,
                ("8112921010", "germanium, unwrought; powders"),
                ("8112921090", "germanium, unwrought; powders"),
                ("8112991000", "germanium, other"),
                ("2825600002", "germanium dioxide"),
            ),
            hs6=("811292", "811299", "282560"),
            watch=True,
        ),
        CommoditySpec(
            name="graphite",
            code="25041010",
            source="gacc_query",
            label="Graphite (natural and synthetic)",
            flow="export",
            note="HS6 codes cover all graphite of their headings, not only the controlled grades",
            lines=_lines(
                GRAPHITE,
                ("3801100030", "synthetic graphite (high purity, high strength, high density)"),
                ("3801909010", "synthetic graphite products"),
                ("6815190020", "synthetic graphite articles"),
                ("2504101000", "natural flake graphite, spherical"),
                ("2504109100", "natural flake graphite"),
                ("3801901000", "spherical graphite"),
                ("3824999940", "graphite anode material"),
            ),
            hs6=("250410", "250490", "380110", "380190"),
            watch=True,
        ),
        CommoditySpec(
            name="antimony",
            code="81101010",
            source="gacc_query",
            label="Antimony (ores, metal, oxides)",
            flow="export",
            lines=_lines(
                ANTIMONY,
                ("2617101000", "antimony ores and concentrates"),
                ("2617109001", "antimony ores and concentrates"),
                ("2617109090", "antimony ores and concentrates"),
                ("2830902000", "antimony sulphide"),
                ("8110101000", "antimony, unwrought"),
                ("8110102000", "antimony, unwrought (powders)"),
                ("8110200000", "antimony waste and scrap"),
                ("8110900000", "antimony, other"),
                ("2825800010", "antimony oxides"),
            ),
            hs6=("261710", "811010", "811020", "811090", "282580"),
            watch=True,
        ),
        CommoditySpec(
            name="tungsten",
            code="28418010",
            source="gacc_query",
            label="Tungsten (APT, oxides, carbide, metal)",
            flow="export",
            note="HS6 261100 (tungsten ores) is watched for context: no line of it is listed",
            lines=_lines(
                TUNGSTEN,
                ("2841801000", "ammonium paratungstate"),
                ("2825901200", "tungsten oxides"),
                ("2825901910", "tungsten oxides"),
                ("2825901920", "tungsten oxides"),
                ("2849902000", "tungsten carbide"),
                ("8101940001", "tungsten, unwrought"),
                ("8101991001", "tungsten, other"),
                ("8101999001", "tungsten, other"),
            ),
            hs6=("284180", "282590", "284990", "810194", "810199", "261100"),
            watch=True,
        ),
    )
}
WATCHLIST: tuple[CommoditySpec, ...] = tuple(s for s in COMMODITIES.values() if s.watch)
HS6_PATTERN = re.compile(r"\d{6}")


def _normalise_name(text: str) -> str:
    return re.sub(r"[\s_]+", "-", unicodedata.normalize("NFKC", text).strip().lower())


def resolve_commodity(name_or_code: str) -> CommoditySpec:
    """A friendly name, an 8-digit tariff line or a ``bulletin:`` key → its CommoditySpec.

    Unknown 8-digit codes and well-formed bulletin keys are accepted as ad-hoc specs (the
    catalogue lists favourites, not everything GACC publishes); anything else is an error that
    lists the known names.
    """
    text = unicodedata.normalize("NFKC", name_or_code).strip()
    name = _normalise_name(text)
    if name in COMMODITIES:
        return COMMODITIES[name]
    digits = re.sub(r"[.\s]", "", text)
    if HS6_PATTERN.fullmatch(digits):
        return CommoditySpec(
            name=digits, code=digits, source="comtrade", label=f"HS {digits}", hs6=(digits,)
        )
    if re.fullmatch(r"\d{8}", digits):
        for spec in COMMODITIES.values():
            if spec.code == digits:
                return spec
        return CommoditySpec(name=digits, code=digits, source="gacc_query", label=f"HS {digits}")
    if text.lower().startswith(BULLETIN_PREFIX):
        key = text.lower()
        for spec in COMMODITIES.values():
            if spec.code == key:
                return spec
        if re.fullmatch(r"bulletin:[a-z0-9\-]+(/[a-z0-9\-]+)?", key):
            return CommoditySpec(name=key, code=key, source="gacc_bulletin", label=key)
    known = ", ".join(sorted(COMMODITIES))
    raise CustomsEtlError(
        f"unknown commodity {name_or_code!r}: use one of {known}, an 8-digit tariff line "
        f"(e.g. 85051110), an HS6 code (e.g. 850511) or a bulletin key "
        f"(e.g. {COMMODITIES['rare-earths'].code})"
    )
