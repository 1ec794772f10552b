-- marts.series_months_of(codes, grouped): the headline series and every claim the brief may
-- print about it, each decided here from the coverage model (marts.line_months_of) — the one
-- place that says whether a claim's preconditions hold. A claim that cannot be made is NULL,
-- and `caveats` says why: STRUCT(claim, reason, period, line, partner), reasons
--   missing       the month is not in the warehouse
--   partial       only filtered (partial) exports cover the month
--   combined      the month is published only together with others (period = the block)
--   no_quantity   rows of the month published no quantity (partner named): no total
--   non_mass      the line is counted in a non-mass unit
--   zero_base     the base of a change is 0
--   stale_cumulative  the published cumulative predates a revision of that month
-- A series is one line (grouped false) or all the lines asked for summed like for like
-- (grouped true: a watchlist entry). For a month P:
-- * tonnes: the lines with a known figure in P (`lines`); the others are caveats.
-- * m/m and y/y: over the lines known in both months (like for like); NULL when none is.
-- * YTD: per line the published cumulative while no newer month vintage breaks it (no later
--   revision beyond tolerance; the months, when all known, still add up to it), else the sum
--   of the months (a combined block counted once), else unknown; the series adds its lines.
-- * highest/lowest since (only on a rise / a fall): the latest earlier month at least as high
--   (low); a combined block counts when its average already is (it holds such a month), is
--   passed when its total is below, and stops the claim otherwise; a month in between that is
--   not known stops it too. 'record' when every month back to the first held is lower.
-- * consecutive rises: known rises in a row ending in P; NULL when the run meets a month that
--   is not known.

CREATE MACRO marts.series_months_in(members) AS TABLE
WITH lm AS MATERIALIZED (
    SELECT * FROM marts.series_lines_in(members)
),
bounds AS (
    SELECT source, reporter, flow, series,
           CAST(date_trunc('year', min(period)) AS DATE) AS grid_start,
           max(period) AS grid_end,
           min(period) FILTER (WHERE coverage IS NOT NULL) AS first_period,
           string_agg(DISTINCT commodity_code, '+' ORDER BY commodity_code) AS series_code
    FROM lm GROUP BY ALL
),
grid AS (
    SELECT source, reporter, flow, series,
           CAST(unnest(generate_series(grid_start, grid_end, INTERVAL 1 MONTH)) AS DATE) AS period
    FROM bounds
),
cells AS MATERIALIZED (
    -- Every line of a series in every month from the January of its first year.
    SELECT
        g.source, g.reporter, g.flow, g.series, l.commodity_code, l.grouped, g.period,
        coalesce(m.coverage, 'missing') AS coverage,
        coalesce(m.coverage = 'complete' AND m.quantity_kg IS NOT NULL, false) AS known,
        m.quantity_kg, m.value_usd, m.value_cny,
        coalesce(m.no_quantity_partners, []) AS no_quantity_partners, m.non_mass_unit,
        m.block_start, m.block_end, m.block_kg, m.newest_seq, m.cum_kg, m.cum_seq,
        m.revised_month, m.release_id, m.vintage_source,
        CASE WHEN m.coverage = 'combined'
             THEN core.month_label(m.block_start) || '..' || core.month_label(m.block_end)
             ELSE core.month_label(g.period) END AS label,
        CASE WHEN coalesce(m.coverage = 'complete' AND m.quantity_kg IS NOT NULL, false)
                 THEN NULL
             WHEN m.coverage = 'complete' AND m.non_mass_unit IS NOT NULL
                  AND len(m.no_quantity_partners) = 0 THEN 'non_mass'
             WHEN m.coverage = 'complete' THEN 'no_quantity'
             ELSE coalesce(m.coverage, 'missing') END AS reason
    FROM grid AS g
    JOIN (SELECT DISTINCT source, reporter, flow, series, commodity_code, grouped FROM lm) AS l
      USING (source, reporter, flow, series)
    LEFT JOIN lm AS m USING (source, reporter, flow, series, commodity_code, period)
),
line_ytd AS (
    -- Per line and month: the months of the year so far, summed where known.
    SELECT *,
        sum(CASE WHEN known THEN quantity_kg
                 WHEN coverage = 'combined' AND period = block_end THEN block_kg
                 ELSE 0 END) OVER y AS months_kg,
        bool_and(known OR (coverage = 'combined' AND block_kg IS NOT NULL)) OVER y
            AS months_known,
        list({'reason': reason, 'period': label})
            FILTER (WHERE NOT (known OR (coverage = 'combined' AND block_kg IS NOT NULL)))
            OVER y AS unknown_months,
        max(newest_seq) OVER y AS newest_in_year
    FROM cells
    WINDOW y AS (PARTITION BY source, reporter, flow, series, commodity_code, year(period)
                 ORDER BY period ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)
),
line_ytd_decided AS (
    SELECT *,
        CASE WHEN coverage = 'combined' AND period < block_end
             THEN [{'reason': 'combined', 'period': label}]
             ELSE coalesce(unknown_months, []) END AS ytd_unknown,
        months_known AND NOT (coverage = 'combined' AND period < block_end) AS summable,
        cum_kg IS NOT NULL AND (
            revised_month IS NOT NULL
            OR (months_known AND newest_in_year > cum_seq
                AND abs(months_kg - cum_kg) > core.ytd_tolerance_kg(cum_kg))
        ) AS stale
    FROM line_ytd
),
line_ytd_final AS (
    SELECT d.*,
        CASE WHEN d.cum_kg IS NOT NULL AND NOT d.stale THEN d.cum_kg
             WHEN d.summable THEN d.months_kg END AS ytd_kg,
        CASE WHEN d.cum_kg IS NOT NULL AND NOT d.stale THEN 'cumulative'
             WHEN d.summable THEN 'summed' END AS ytd_coverage,
        CASE WHEN NOT d.stale THEN NULL
             WHEN d.revised_month IS NOT NULL THEN core.month_label(d.revised_month)
             ELSE (SELECT core.month_label(max(x.period)) FROM cells AS x
                   WHERE x.source = d.source AND x.reporter = d.reporter AND x.flow = d.flow
                     AND x.series = d.series AND x.commodity_code = d.commodity_code
                     AND year(x.period) = year(d.period) AND x.period <= d.period
                     AND x.newest_seq > d.cum_seq) END AS stale_month
    FROM line_ytd_decided AS d
),
line_ytd_caveats AS MATERIALIZED (
    -- Why a line's YTD is not the published cumulative, or not known: (reason, period) pairs.
    SELECT *,
        CASE WHEN stale THEN [{'reason': 'stale_cumulative', 'period': stale_month}]
             ELSE [] END
        || CASE WHEN ytd_kg IS NULL THEN ytd_unknown ELSE [] END AS ytd_why
    FROM line_ytd_final
),
head AS MATERIALIZED (
    -- Per series and month: the lines with a known figure, their total, and the others.
    SELECT
        source, reporter, flow, series, period,
        coalesce(list(commodity_code ORDER BY commodity_code) FILTER (WHERE known), [])
            AS lines,
        sum(quantity_kg) FILTER (WHERE known) AS quantity_kg,
        -- values over the same lines as the total; a line without kilograms (counted in
        -- pieces) still has its value
        CASE WHEN bool_or(known) THEN
                 CASE WHEN count(*) FILTER (WHERE known) = count(value_usd) FILTER (WHERE known)
                      THEN sum(value_usd) FILTER (WHERE known) END
             WHEN count(*) FILTER (WHERE coverage = 'complete')
                  = count(value_usd) FILTER (WHERE coverage = 'complete')
             THEN sum(value_usd) FILTER (WHERE coverage = 'complete') END AS value_usd,
        CASE WHEN bool_or(known) THEN
                 CASE WHEN count(*) FILTER (WHERE known) = count(value_cny) FILTER (WHERE known)
                      THEN sum(value_cny) FILTER (WHERE known) END
             WHEN count(*) FILTER (WHERE coverage = 'complete')
                  = count(value_cny) FILTER (WHERE coverage = 'complete')
             THEN sum(value_cny) FILTER (WHERE coverage = 'complete') END AS value_cny,
        CASE WHEN bool_or(known) OR bool_or(coverage = 'complete') THEN 'complete'
             WHEN bool_or(coverage = 'partial') THEN 'partial'
             WHEN bool_or(coverage = 'combined') THEN 'combined'
             ELSE 'missing' END AS coverage,
        bool_or(coverage <> 'missing') OR bool_or(cum_kg IS NOT NULL) AS held,
        max(label) FILTER (WHERE coverage = 'combined') AS combined,
        max(non_mass_unit) AS non_mass_unit,
        -- the vintage the figure comes from, when one document gives it
        CASE WHEN count(DISTINCT release_id) FILTER (WHERE known) = 1
             THEN max(release_id) FILTER (WHERE known) END AS release_id,
        CASE WHEN count(DISTINCT vintage_source) FILTER (WHERE known) = 1
             THEN max(vintage_source) FILTER (WHERE known) END AS vintage_source,
        flatten(list(
            CASE WHEN known OR (coverage = 'missing' AND NOT grouped) THEN []
                 WHEN reason = 'no_quantity' THEN list_transform(no_quantity_partners,
                     p -> {'claim': 'tonnes', 'reason': 'no_quantity', 'period': label,
                           'line': commodity_code, 'partner': p})
                 ELSE [{'claim': 'tonnes', 'reason': reason, 'period': label,
                        'line': commodity_code, 'partner': NULL}] END
        )) AS tonnes_caveats
    FROM line_ytd_caveats
    GROUP BY source, reporter, flow, series, period
),
pairs AS (
    -- Each known line of a month beside the same line a month and a year earlier.
    SELECT
        h.source, h.reporter, h.flow, h.series, h.period, h.commodity_code,
        h.quantity_kg AS kg,
        coalesce(pm.known, false) AS pm_known, pm.quantity_kg AS pm_kg,
        coalesce(pm.reason, 'missing') AS pm_reason,
        coalesce(pm.label, core.month_label(h.period - INTERVAL 1 MONTH)) AS pm_label,
        coalesce(pm.coverage, 'missing') AS pm_coverage,
        pm.no_quantity_partners AS pm_no_quantity,
        coalesce(py.known, false) AS py_known, py.quantity_kg AS py_kg,
        coalesce(py.reason, 'missing') AS py_reason,
        coalesce(py.label, core.month_label(h.period - INTERVAL 12 MONTH)) AS py_label,
        coalesce(py.coverage, 'missing') AS py_coverage,
        py.no_quantity_partners AS py_no_quantity
    FROM cells AS h
    LEFT JOIN cells AS pm
      ON pm.source = h.source AND pm.reporter = h.reporter AND pm.flow = h.flow
     AND pm.series = h.series AND pm.commodity_code = h.commodity_code
     AND pm.period = h.period - INTERVAL 1 MONTH
    LEFT JOIN cells AS py
      ON py.source = h.source AND py.reporter = h.reporter AND py.flow = h.flow
     AND py.series = h.series AND py.commodity_code = h.commodity_code
     AND py.period = h.period - INTERVAL 12 MONTH
    WHERE h.coverage = 'complete'
),
changes AS (
    SELECT
        source, reporter, flow, series, period,
        sum(kg) FILTER (WHERE pm_known AND kg IS NOT NULL) AS mom_now,
        sum(pm_kg) FILTER (WHERE pm_known AND kg IS NOT NULL) AS previous_month_kg,
        sum(kg) FILTER (WHERE py_known AND kg IS NOT NULL) AS yoy_now,
        sum(py_kg) FILTER (WHERE py_known AND kg IS NOT NULL) AS last_year_kg,
        flatten(list(CASE WHEN kg IS NOT NULL AND NOT pm_known THEN [
            {'claim': 'mom_pct', 'reason': pm_reason, 'period': pm_label,
             'line': commodity_code, 'partner': NULL}] ELSE [] END)) AS mom_caveats,
        flatten(list(CASE WHEN kg IS NOT NULL AND NOT py_known THEN [
            {'claim': 'yoy_pct', 'reason': py_reason, 'period': py_label,
             'line': commodity_code, 'partner': NULL}] ELSE [] END)) AS yoy_caveats,
        -- partner claims need each complete line of P complete in the other month too
        flatten(list(CASE WHEN pm_coverage <> 'complete' THEN [
            {'claim': 'partners.mom_pct', 'reason': pm_reason, 'period': pm_label,
             'line': commodity_code, 'partner': NULL}]
            ELSE list_transform(pm_no_quantity, p -> {'claim': 'partners.mom_pct',
                 'reason': 'no_quantity', 'period': pm_label, 'line': commodity_code,
                 'partner': p}) END)) AS partner_mom_caveats,
        flatten(list(CASE WHEN py_coverage <> 'complete' THEN [
            {'claim': 'partners.yoy_pct', 'reason': py_reason, 'period': py_label,
             'line': commodity_code, 'partner': NULL}]
            ELSE list_transform(py_no_quantity, p -> {'claim': 'partners.yoy_pct',
                 'reason': 'no_quantity', 'period': py_label, 'line': commodity_code,
                 'partner': p}) END)) AS partner_yoy_caveats
    FROM pairs
    GROUP BY source, reporter, flow, series, period
),
ytd_lines AS (
    -- The lines a month's YTD adds up: its known lines, else every line with a figure or a
    -- cumulative in the month.
    SELECT y.*,
        ly.ytd_kg AS ly_ytd_kg, ly.ytd_why AS ly_why,
        core.month_label(y.period - INTERVAL 12 MONTH) AS ly_label
    FROM line_ytd_caveats AS y
    JOIN head AS h USING (source, reporter, flow, series, period)
    LEFT JOIN line_ytd_caveats AS ly
      ON ly.source = y.source AND ly.reporter = y.reporter AND ly.flow = y.flow
     AND ly.series = y.series AND ly.commodity_code = y.commodity_code
     AND ly.period = y.period - INTERVAL 12 MONTH
    WHERE CASE WHEN len(h.lines) > 0 THEN y.known
               ELSE y.coverage <> 'missing' OR y.cum_kg IS NOT NULL END
),
ytd AS (
    SELECT
        source, reporter, flow, series, period,
        CASE WHEN count(*) = count(ytd_kg) THEN sum(ytd_kg) END AS ytd_kg,
        CASE WHEN count(*) = count(cum_kg) THEN sum(cum_kg) END AS published_ytd_kg,
        bool_or(stale) AS ytd_stale,
        CASE WHEN count(*) <> count(ytd_kg) THEN NULL
             WHEN bool_and(ytd_coverage = 'cumulative') THEN 'cumulative'
             WHEN bool_and(ytd_coverage = 'summed') THEN 'summed'
             ELSE 'mixed' END AS ytd_coverage,
        flatten(list(list_transform(ytd_why, w -> {'claim': 'ytd_tonnes', 'reason': w.reason,
            'period': w.period, 'line': commodity_code, 'partner': NULL}))) AS ytd_caveats,
        sum(ytd_kg) FILTER (WHERE ly_ytd_kg IS NOT NULL) AS ytd_now,
        sum(ly_ytd_kg) FILTER (WHERE ytd_kg IS NOT NULL) AS last_year_ytd_kg,
        flatten(list(CASE WHEN ly_ytd_kg IS NOT NULL THEN []
            WHEN ly_why IS NULL THEN [{'claim': 'ytd_yoy_pct', 'reason': 'missing',
                'period': ly_label, 'line': commodity_code, 'partner': NULL}]
            ELSE list_transform(ly_why, w -> {'claim': 'ytd_yoy_pct', 'reason': w.reason,
                'period': w.period, 'line': commodity_code, 'partner': NULL}) END))
            AS ytd_yoy_caveats
    FROM ytd_lines
    GROUP BY source, reporter, flow, series, period
),
known_head AS (
    SELECT h.*, c.mom_now, c.previous_month_kg, c.yoy_now, c.last_year_kg,
           (c.mom_now / nullif(c.previous_month_kg, 0) - 1) * 100 AS mom_pct,
           (c.yoy_now / nullif(c.last_year_kg, 0) - 1) * 100 AS yoy_pct,
           c.mom_caveats, c.yoy_caveats, c.partner_mom_caveats, c.partner_yoy_caveats
    FROM head AS h
    LEFT JOIN changes AS c USING (source, reporter, flow, series, period)
),
scan AS (
    -- For a month P with a known total X: every earlier month E from the first held, summed
    -- over P's known lines, and whether E's figure is known, a combined block, or neither.
    SELECT
        h.source, h.reporter, h.flow, h.series, h.period, e.period AS e_period,
        count(*) AS n_lines,
        count(*) FILTER (WHERE e.known) AS n_known,
        sum(e.quantity_kg) FILTER (WHERE e.known) AS e_kg,
        count(*) FILTER (WHERE e.coverage = 'combined' AND e.block_kg IS NOT NULL) AS n_block,
        count(DISTINCT e.label) FILTER (WHERE e.coverage = 'combined') AS n_labels,
        sum(e.block_kg) FILTER (WHERE e.coverage = 'combined') AS block_kg,
        max(datediff('month', e.block_start, e.block_end) + 1) AS block_months,
        max(e.label) AS e_label,
        arg_min({'reason': e.reason, 'period': e.label, 'line': e.commodity_code},
                e.commodity_code) FILTER (WHERE NOT e.known) AS gap
    FROM cells AS h
    JOIN bounds AS b USING (source, reporter, flow, series)
    JOIN cells AS e
      ON e.source = h.source AND e.reporter = h.reporter AND e.flow = h.flow
     AND e.series = h.series AND e.commodity_code = h.commodity_code
     AND e.period < h.period AND e.period >= b.first_period
    WHERE h.known
    GROUP BY h.source, h.reporter, h.flow, h.series, h.period, e.period
),
marks AS MATERIALIZED (
    SELECT s.*, k.quantity_kg AS x,
        s.n_known = s.n_lines AS e_known,
        s.n_block = s.n_lines AND s.n_labels = 1 AS e_block,
        CASE WHEN s.n_known = s.n_lines THEN CASE WHEN s.e_kg >= k.quantity_kg THEN 'ge' ELSE 'lt' END
             WHEN s.n_block = s.n_lines AND s.n_labels = 1 THEN
                 CASE WHEN s.block_kg / s.block_months >= k.quantity_kg THEN 'ge'
                      WHEN s.block_kg < k.quantity_kg THEN 'lt'
                      ELSE 'unknown' END
             ELSE 'unknown' END AS high,
        CASE WHEN s.n_known = s.n_lines THEN CASE WHEN s.e_kg <= k.quantity_kg THEN 'le' ELSE 'gt' END
             WHEN s.n_block = s.n_lines AND s.n_labels = 1 THEN
                 CASE WHEN s.block_kg / s.block_months <= k.quantity_kg THEN 'le'
                      ELSE 'unknown' END
             ELSE 'unknown' END AS low
    FROM scan AS s
    JOIN head AS k USING (source, reporter, flow, series, period)
),
since AS (
    SELECT source, reporter, flow, series, period,
        arg_max({'period': e_period, 'status': high, 'label': e_label, 'block': e_block,
                 'gap': gap}, e_period) FILTER (WHERE high <> 'lt') AS hi,
        arg_max({'period': e_period, 'status': low, 'label': e_label, 'block': e_block,
                 'gap': gap}, e_period) FILTER (WHERE low <> 'gt') AS lo
    FROM marks
    GROUP BY ALL
),
chain AS (
    -- The run of known rises ending in P, over P's known lines (P itself at the end).
    SELECT *,
        lag(v) OVER w AS prev_v,
        coalesce(lag(v_known) OVER w, false) AS prev_known,
        lag(gap) OVER w AS prev_gap,
        lag(e_period) OVER w AS prev_period
    FROM (
        SELECT source, reporter, flow, series, period, e_period, e_kg AS v, e_known AS v_known,
               gap
        FROM marks
        UNION ALL
        SELECT source, reporter, flow, series, period, period, quantity_kg, true, NULL
        FROM head WHERE len(lines) > 0
    )
    WINDOW w AS (PARTITION BY source, reporter, flow, series, period ORDER BY e_period)
),
rises AS (
    SELECT c.source, c.reporter, c.flow, c.series, c.period,
        arg_max({'period': c.e_period, 'known': c.v_known AND c.prev_known
                                                 AND c.prev_period = c.e_period - INTERVAL 1 MONTH,
                 'gap': CASE WHEN NOT c.v_known THEN c.gap
                             WHEN c.prev_period IS NULL THEN {'reason': 'missing',
                                 'period': core.month_label(c.e_period - INTERVAL 1 MONTH),
                                 'line': NULL}
                             ELSE c.prev_gap END},
                c.e_period) FILTER (WHERE NOT (c.v_known AND c.prev_known
                                              AND c.v > c.prev_v)) AS brk
    FROM chain AS c
    GROUP BY ALL
),
decided AS (
    SELECT
        k.*, y.ytd_kg, y.published_ytd_kg, y.ytd_stale, y.ytd_coverage, y.ytd_caveats,
        y.last_year_ytd_kg, y.ytd_yoy_caveats,
        CASE WHEN y.ytd_kg IS NOT NULL AND y.last_year_ytd_kg IS NOT NULL
             THEN (y.ytd_now / nullif(y.last_year_ytd_kg, 0) - 1) * 100 END AS ytd_yoy_pct,
        coalesce(k.mom_pct > 0, false) AS rose,
        coalesce(k.mom_pct < 0, false) AS fell,
        b.first_period, b.series_code,
        s.hi, s.lo, r.brk
    FROM known_head AS k
    JOIN bounds AS b USING (source, reporter, flow, series)
    LEFT JOIN ytd AS y USING (source, reporter, flow, series, period)
    LEFT JOIN since AS s USING (source, reporter, flow, series, period)
    LEFT JOIN rises AS r USING (source, reporter, flow, series, period)
    WHERE k.held
)
SELECT
    source, reporter, flow,
    series_code AS commodity_code,
    period, coverage, lines,
    quantity_kg, value_usd, value_cny,
    CAST(quantity_kg AS DOUBLE) / 1000 AS tonnes,
    previous_month_kg, last_year_kg, mom_pct, yoy_pct,
    ytd_kg, CAST(ytd_kg AS DOUBLE) / 1000 AS ytd_tonnes, ytd_coverage, published_ytd_kg,
    coalesce(ytd_stale, false) AS ytd_stale,
    last_year_ytd_kg, ytd_yoy_pct,
    CASE WHEN rose AND hi.status = 'ge' THEN hi.period END AS highest_since,
    CASE WHEN rose AND hi.status = 'ge' AND hi.block THEN hi.label END AS block_high_since,
    rose AND hi IS NULL AS record_high,
    CASE WHEN fell AND lo.status = 'le' THEN lo.period END AS lowest_since,
    CASE WHEN fell AND lo.status = 'le' AND lo.block THEN lo.label END AS block_low_since,
    fell AND lo IS NULL AS record_low,
    CASE WHEN quantity_kg IS NOT NULL
         THEN datediff('month', first_period, period) + 1 END AS months_held,
    first_period,
    CASE WHEN quantity_kg IS NULL OR mom_pct IS NULL THEN NULL
         WHEN NOT rose THEN 0
         WHEN brk.known THEN datediff('month', brk.period, period) END AS consecutive_rises,
    CASE WHEN coverage = 'combined' THEN combined END AS combined,
    non_mass_unit, release_id, vintage_source,
    list_sort(list_distinct(
        tonnes_caveats
        || coalesce(mom_caveats, []) || coalesce(yoy_caveats, [])
        || coalesce(partner_mom_caveats, []) || coalesce(partner_yoy_caveats, [])
        || coalesce(ytd_caveats, [])
        || CASE WHEN ytd_kg IS NULL THEN [] ELSE coalesce(ytd_yoy_caveats, []) END
        || CASE WHEN rose AND hi.status = 'unknown' THEN [{'claim': 'highest_since',
               'reason': hi.gap.reason, 'period': hi.gap.period, 'line': hi.gap.line,
               'partner': NULL}] ELSE [] END
        || CASE WHEN fell AND lo.status = 'unknown' THEN [{'claim': 'lowest_since',
               'reason': lo.gap.reason, 'period': lo.gap.period, 'line': lo.gap.line,
               'partner': NULL}] ELSE [] END
        || CASE WHEN rose AND NOT brk.known THEN [{'claim': 'consecutive_rises',
               'reason': brk.gap.reason, 'period': brk.gap.period, 'line': brk.gap.line,
               'partner': NULL}] ELSE [] END
        || CASE WHEN previous_month_kg = 0 THEN [{'claim': 'mom_pct', 'reason': 'zero_base',
               'period': core.month_label(period - INTERVAL 1 MONTH), 'line': NULL,
               'partner': NULL}] ELSE [] END
        || CASE WHEN last_year_kg = 0 THEN [{'claim': 'yoy_pct', 'reason': 'zero_base',
               'period': core.month_label(period - INTERVAL 12 MONTH), 'line': NULL,
               'partner': NULL}] ELSE [] END
        || CASE WHEN ytd_kg IS NOT NULL AND last_year_ytd_kg = 0 THEN [{'claim': 'ytd_yoy_pct',
               'reason': 'zero_base', 'period': core.month_label(period - INTERVAL 12 MONTH),
               'line': NULL, 'partner': NULL}] ELSE [] END
    )) AS caveats,
    series
FROM decided;

CREATE MACRO marts.series_months_of(codes, grouped) AS TABLE
SELECT * EXCLUDE (series) FROM marts.series_months_in(marts.members_of(codes, grouped));

-- One series per line: the headline series of every line, as BI tools and exports see it.
CREATE MACRO marts.world_monthly_of(codes) AS TABLE
SELECT * EXCLUDE (lines, non_mass_unit) FROM marts.series_months_of(codes, false);

CREATE VIEW marts.world_monthly AS
SELECT * FROM marts.world_monthly_of(CAST(NULL AS VARCHAR[]));

COMMENT ON VIEW marts.world_monthly IS 'The headline series: one row per source, reporter, flow, line and month the warehouse knows anything about, with every claim the brief may print decided under its coverage preconditions (marts.series_months_of). World total = the World row (partner WLD) where the slice publishes one (UN Comtrade), else the sum of a full release''s rows; a month only filtered exports cover has coverage partial and no total; January and February published only together have coverage combined. A claim whose months are not fully known is NULL and `caveats` says why. Used by `customs-etl report`.';
COMMENT ON COLUMN marts.world_monthly.source IS 'The series: gacc_query, gacc_bulletin (its rows as GACC''s preliminary release first prints them, then as the bulletin verifies them: see vintage_source), comtrade or sample (partly MODELED demo data).';
COMMENT ON COLUMN marts.world_monthly.release_id IS 'The vintage the month''s total comes from (raw.releases.release_id; its published_on and url say when and where), when one document gives it.';
COMMENT ON COLUMN marts.world_monthly.vintage_source IS 'The publication of that vintage: gacc_preliminary until the bulletin of the month is loaded, then gacc_bulletin (the most verified wins); else the series'' own source.';
COMMENT ON COLUMN marts.world_monthly.reporter IS 'Reporting country (see core.latest.reporter): CN for China''s figures.';
COMMENT ON COLUMN marts.world_monthly.flow IS 'export or import, from the reporter''s side (CN: China''s exports and imports; a partner reporter: its imports, flow import with partner CN).';
COMMENT ON COLUMN marts.world_monthly.commodity_code IS 'Tariff line, e.g. 85051110 (rare-earth permanent magnets), HS6 code (comtrade), or bulletin row key.';
COMMENT ON COLUMN marts.world_monthly.period IS 'The month, as its first day (2025-07-01 = July 2025).';
COMMENT ON COLUMN marts.world_monthly.coverage IS 'How the month''s own figure is known: complete (a full release covers it), partial (only filtered exports: no world total), combined (published only together with other months: see combined), missing (no figure of the month, only a cumulative ending in it).';
COMMENT ON COLUMN marts.world_monthly.quantity_kg IS 'World total quantity in kilograms (kg), exact DECIMAL; null unless coverage is complete and every row of the month has kilograms (a row published without a quantity, or a line counted in pieces, leaves no total).';
COMMENT ON COLUMN marts.world_monthly.value_usd IS 'World total value in US dollars (USD, plain units); null when any row was published in CNY only, or the total is unknown.';
COMMENT ON COLUMN marts.world_monthly.value_cny IS 'World total value in yuan (CNY, plain units); null when any row was published in USD only, or the total is unknown.';
COMMENT ON COLUMN marts.world_monthly.tonnes IS 'World total in metric tonnes: quantity_kg / 1000 (DOUBLE).';
COMMENT ON COLUMN marts.world_monthly.previous_month_kg IS 'The base of mom_pct in kilograms (kg): the previous calendar month''s total; null when that month is not fully known.';
COMMENT ON COLUMN marts.world_monthly.last_year_kg IS 'The base of yoy_pct in kilograms (kg): the same month a year earlier; null when that month is not fully known.';
COMMENT ON COLUMN marts.world_monthly.mom_pct IS 'Month-on-month change in percent, unrounded: (quantity_kg / previous_month_kg - 1) * 100; null unless both months are complete with a total, and from a zero base (see caveats).';
COMMENT ON COLUMN marts.world_monthly.yoy_pct IS 'Year-on-year change in percent, unrounded, against the same month a year earlier; null unless both months are complete with a total, and from a zero base (see caveats).';
COMMENT ON COLUMN marts.world_monthly.ytd_kg IS 'Year to date in kilograms (kg), January through this month: the published cumulative while no newer month vintage breaks it (ytd_coverage cumulative), else the sum of the months when every one is known, a combined January-February block counted once (summed), else null (see caveats).';
COMMENT ON COLUMN marts.world_monthly.ytd_tonnes IS 'Year to date in metric tonnes: ytd_kg / 1000 (DOUBLE).';
COMMENT ON COLUMN marts.world_monthly.ytd_coverage IS 'Where ytd_kg comes from: cumulative (the published January-to-month figure, derived from a cumulative), summed (the sum of the months), null (unknown).';
COMMENT ON COLUMN marts.world_monthly.published_ytd_kg IS 'The published January-to-month cumulative in kilograms (kg) as loaded, even when stale; null when none is loaded.';
COMMENT ON COLUMN marts.world_monthly.ytd_stale IS 'true when the published cumulative is stale: a month it spans was loaded again after it, revised beyond max(1 t, 0.1 %), so it still holds the old figure (or the known months no longer add up to it); ytd_kg then falls back to the sum of the months.';
COMMENT ON COLUMN marts.world_monthly.last_year_ytd_kg IS 'The base of ytd_yoy_pct in kilograms (kg): the year to date a year earlier, by the same rule as ytd_kg.';
COMMENT ON COLUMN marts.world_monthly.ytd_yoy_pct IS 'Year-to-date change on a year earlier in percent, unrounded; null when either year to date is unknown or the base is 0 (see caveats).';
COMMENT ON COLUMN marts.world_monthly.highest_since IS 'Only when the month rose m/m: first day of the latest earlier month at least as high (of a combined block: its last month, see block_high_since); null when it did not rise, when a month in between is not known (see caveats), or when no earlier month held was as high (then record_high).';
COMMENT ON COLUMN marts.world_monthly.block_high_since IS 'YYYY-MM..YYYY-MM when the month is the highest since a combined block whose average already is at least as high (so one of its months was); null otherwise.';
COMMENT ON COLUMN marts.world_monthly.record_high IS 'true when the month rose m/m and every earlier month held, back to first_period, is known and lower (a record as far as the data goes back: months_held).';
COMMENT ON COLUMN marts.world_monthly.lowest_since IS 'Only when the month fell m/m: first day of the latest earlier month at most as low (of a combined block: its last month, see block_low_since); null when it did not fall, when a month in between is not known (see caveats), or when no earlier month held was as low (then record_low).';
COMMENT ON COLUMN marts.world_monthly.block_low_since IS 'YYYY-MM..YYYY-MM when the month is the lowest since a combined block whose average already is at most as low; null otherwise.';
COMMENT ON COLUMN marts.world_monthly.record_low IS 'true when the month fell m/m and every earlier month held, back to first_period, is known and higher.';
COMMENT ON COLUMN marts.world_monthly.months_held IS 'Months from first_period to this one, inclusive (what "record" is measured against); null without a total.';
COMMENT ON COLUMN marts.world_monthly.first_period IS 'First day of the first month of this series with a figure of its own (complete, partial or combined).';
COMMENT ON COLUMN marts.world_monthly.consecutive_rises IS 'Known month-on-month rises in a row ending at this month; 0 when it did not rise; null when its m/m is unknown or the run meets a month that is not known (see caveats).';
COMMENT ON COLUMN marts.world_monthly.combined IS 'YYYY-MM..YYYY-MM for a month published only as part of a combined block (coverage combined); null otherwise.';
COMMENT ON COLUMN marts.world_monthly.caveats IS 'Why claims are not made (or what they rest on), one STRUCT each: claim (tonnes, mom_pct, yoy_pct, ytd_tonnes, ytd_yoy_pct, highest_since, lowest_since, consecutive_rises, partners.mom_pct, partners.yoy_pct), reason (missing, partial, combined, no_quantity, non_mass, zero_base, stale_cumulative), period (YYYY-MM or a block), line, partner.';
