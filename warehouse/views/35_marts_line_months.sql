-- marts.line_months_of(codes): how each line's months are known (the coverage model).
--
-- One row per source, reporter, flow, line and month that the warehouse knows anything about:
-- Series, not publications: GACC's preliminary release is the first vintage of the bulletin's
-- series (core.series_source); release_id and vintage_source name the month's vintage.
-- * coverage of the month's own figure: complete (a full release of the month), partial (only
--   filtered releases: no world total; covered_partners / covered_trade_modes say which cells),
--   combined (published only together with other months: block_start..block_end, block_kg),
--   or NULL (no figure of the month itself, only a published cumulative ending in it);
-- * the world total where it is known (complete, and every row has kilograms), and why not
--   (no_quantity_partners: rows published without a quantity; non_mass_unit: counted in pieces);
-- * the published January-to-month cumulative ending in the month (cum_kg) with its vintage
--   (cum_seq) and, when a month it spans was revised beyond tolerance after it was loaded, the
--   latest such month (revised_month): the cumulative still holds the old figure.
-- The marts' claims (marts.series_months_of) are decided from these rows.

CREATE MACRO marts.line_months_of(codes) AS TABLE
WITH latest AS MATERIALIZED (
    -- by series: a preliminary figure is an early vintage of the bulletin's series
    SELECT * EXCLUDE (source, series_source), series_source AS source, source AS vintage_source
    FROM core.latest_of(codes)
),
world_rows AS MATERIALIZED (
    -- A slice with a World row (partner WLD) is its own world figure; otherwise every row adds.
    SELECT * FROM latest
    QUALIFY coalesce(partner = 'WLD', false)
         OR NOT bool_or(coalesce(partner = 'WLD', false)) OVER (
                PARTITION BY source, reporter, flow, commodity_code, period_start, period_end,
                             basis)
),
singles AS MATERIALIZED (
    SELECT
        source, reporter, flow, commodity_code, period_start AS period,
        bool_and(slice_complete) AS complete,
        CASE WHEN bool_and(slice_complete) AND count(*) = count(quantity_kg)
             THEN sum(quantity_kg) END AS quantity_kg,
        CASE WHEN bool_and(slice_complete) AND count(*) = count(value_usd)
             THEN sum(value_usd) END AS value_usd,
        CASE WHEN bool_and(slice_complete) AND count(*) = count(value_cny)
             THEN sum(value_cny) END AS value_cny,
        coalesce(list(DISTINCT coalesce(partner, 'WLD') ORDER BY coalesce(partner, 'WLD'))
                     FILTER (WHERE quantity IS NULL AND quantity_kg IS NULL), [])
            AS no_quantity_partners,
        max(quantity_unit) FILTER (WHERE quantity IS NOT NULL AND quantity_kg IS NULL)
            AS non_mass_unit,
        coalesce(list(DISTINCT partner ORDER BY partner)
                     FILTER (WHERE partner IS NOT NULL AND partner <> 'WLD'), [])
            AS covered_partners,
        coalesce(list(DISTINCT trade_mode ORDER BY trade_mode)
                     FILTER (WHERE trade_mode IS NOT NULL), []) AS covered_trade_modes,
        max(load_seq) AS newest_seq,
        arg_max(release_id, load_seq) AS release_id,
        arg_max(vintage_source, load_seq) AS vintage_source
    FROM world_rows
    WHERE basis = 'month' AND period_start = period_end
    GROUP BY source, reporter, flow, commodity_code, period_start
),
month_blocks AS (
    -- A month-basis slice over several months: published only together (bulletin '1 to 2').
    SELECT
        source, reporter, flow, commodity_code,
        period_start AS block_start, period_end AS block_end,
        CASE WHEN count(*) = count(quantity_kg) THEN sum(quantity_kg) END AS block_kg,
        max(load_seq) AS newest_seq
    FROM world_rows
    WHERE basis = 'month' AND period_start < period_end AND slice_complete
    GROUP BY source, reporter, flow, commodity_code, period_start, period_end
),
cumulatives AS MATERIALIZED (
    SELECT
        source, reporter, flow, commodity_code, period_end AS period,
        CASE WHEN count(*) = count(quantity_kg) THEN sum(quantity_kg) END AS cum_kg,
        max(load_seq) AS cum_seq
    FROM world_rows
    WHERE basis = 'ytd' AND slice_complete AND month(period_start) = 1
      AND year(period_start) = year(period_end)
    GROUP BY source, reporter, flow, commodity_code, period_end
),
ytd_blocks AS (
    -- A published January-February cumulative stands for the two months when neither has a
    -- figure of its own (and no month block says the same).
    SELECT
        c.source, c.reporter, c.flow, c.commodity_code,
        CAST(c.period - INTERVAL 1 MONTH AS DATE) AS block_start, c.period AS block_end,
        c.cum_kg AS block_kg, c.cum_seq AS newest_seq
    FROM cumulatives AS c
    WHERE month(c.period) = 2
      AND NOT EXISTS (
          SELECT 1 FROM singles AS s
          WHERE s.source = c.source AND s.reporter = c.reporter AND s.flow = c.flow
            AND s.commodity_code = c.commodity_code
            AND s.period BETWEEN c.period - INTERVAL 1 MONTH AND c.period)
      AND NOT EXISTS (
          SELECT 1 FROM month_blocks AS b
          WHERE b.source = c.source AND b.reporter = c.reporter AND b.flow = c.flow
            AND b.commodity_code = c.commodity_code AND b.block_end = c.period)
),
block_months AS (
    SELECT * FROM (
        SELECT b.*,
               CAST(unnest(generate_series(b.block_start, b.block_end, INTERVAL 1 MONTH)) AS DATE)
                   AS period
        FROM (SELECT * FROM month_blocks UNION ALL SELECT * FROM ytd_blocks) AS b
    ) AS m
    WHERE NOT EXISTS (  -- a month with a figure of its own is not 'combined'
        SELECT 1 FROM singles AS s
        WHERE s.source = m.source AND s.reporter = m.reporter AND s.flow = m.flow
          AND s.commodity_code = m.commodity_code AND s.period = m.period)
),
later AS (
    -- Months of a cumulative's span whose current figure was loaded after the cumulative.
    SELECT c.source, c.reporter, c.flow, c.commodity_code, c.period AS cum_period, c.cum_seq,
           c.cum_kg, s.period AS month, s.quantity_kg AS month_kg
    FROM cumulatives AS c
    JOIN singles AS s
      ON s.source = c.source AND s.reporter = c.reporter AND s.flow = c.flow
     AND s.commodity_code = c.commodity_code AND year(s.period) = year(c.period)
     AND s.period <= c.period
    WHERE s.newest_seq > c.cum_seq AND s.quantity_kg IS NOT NULL
),
revised AS (
    -- ... that differ, beyond tolerance, from what the cumulative saw when it was loaded.
    SELECT source, reporter, flow, commodity_code, cum_period AS period,
           max(month) AS revised_month
    FROM core.revised_after((SELECT list(l) FROM later AS l))
    GROUP BY ALL
),
keys AS (
    SELECT source, reporter, flow, commodity_code, period FROM singles
    UNION
    SELECT source, reporter, flow, commodity_code, period FROM block_months
    UNION
    SELECT source, reporter, flow, commodity_code, period FROM cumulatives
)
SELECT
    k.source, k.reporter, k.flow, k.commodity_code, k.period,
    CASE WHEN s.period IS NOT NULL THEN CASE WHEN s.complete THEN 'complete' ELSE 'partial' END
         WHEN b.period IS NOT NULL THEN 'combined' END AS coverage,
    s.quantity_kg, s.value_usd, s.value_cny,
    coalesce(s.no_quantity_partners, []) AS no_quantity_partners,
    s.non_mass_unit,
    CASE WHEN NOT s.complete THEN s.covered_partners END AS covered_partners,
    CASE WHEN NOT s.complete THEN s.covered_trade_modes END AS covered_trade_modes,
    b.block_start, b.block_end, b.block_kg,
    coalesce(s.newest_seq, b.newest_seq) AS newest_seq,
    c.cum_kg, c.cum_seq, v.revised_month,
    s.release_id, s.vintage_source
FROM keys AS k
LEFT JOIN singles AS s USING (source, reporter, flow, commodity_code, period)
LEFT JOIN block_months AS b USING (source, reporter, flow, commodity_code, period)
LEFT JOIN cumulatives AS c USING (source, reporter, flow, commodity_code, period)
LEFT JOIN revised AS v USING (source, reporter, flow, commodity_code, period);

-- Series: which lines of which source add up to what. `members` is a list of STRUCT(series,
-- source, code, grouped): the lines (`code`) of `source` (NULL: any) that make up `series`, summed
-- like for like when `grouped` (a watchlist entry), else one line; a line may be in several
-- series. NULL: every line its own series. One call can so decide many series at once (the
-- watchlist asks for all its entries in one query instead of one per entry and source).
CREATE MACRO marts.member_codes(members) AS list_distinct(list_transform(members, m -> m.code));

CREATE MACRO marts.members_of(codes, grouped) AS
list_transform(codes, c -> {'series': CASE WHEN grouped THEN '*' ELSE c END,
                            'source': CAST(NULL AS VARCHAR), 'code': c, 'grouped': grouped});

CREATE MACRO marts.series_lines_in(members) AS TABLE
SELECT l.*, coalesce(m.series, l.commodity_code) AS series, coalesce(m.grouped, false) AS grouped
FROM marts.line_months_of(marts.member_codes(members)) AS l
LEFT JOIN (SELECT DISTINCT * FROM (SELECT unnest(members, recursive := true))) AS m
  ON m.code = l.commodity_code AND (m.source IS NULL OR m.source = l.source)
WHERE members IS NULL OR m.code IS NOT NULL;
