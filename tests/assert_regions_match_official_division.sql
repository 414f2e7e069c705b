-- ref_provinces' region_3 and region_4 against the official divisions as printed
-- (seeds/reference/ref_official_regions.csv): every province is listed in exactly one region of
-- each division, and that region is the one ref_provinces gives it.
with official as (
    select
        division,
        region as official_region,
        trim(unnest(string_split(members, '、'))) as province_zh
    from {{ ref('ref_official_regions') }}
),

provinces as (
    select region_code, province_zh, 'region_3' as division, region_3 as region
    from {{ ref('stg_reference__provinces') }}
    union all
    select region_code, province_zh, 'region_4' as division, region_4 as region
    from {{ ref('stg_reference__provinces') }}
),

listings as (
    select division, province_zh, count(*) as times_listed, min(official_region) as official_region
    from official
    group by division, province_zh
)

select
    coalesce(provinces.division, listings.division) as division,
    provinces.region_code,
    coalesce(provinces.province_zh, listings.province_zh) as province_zh,
    provinces.region,
    listings.official_region as expected,
    case
        when provinces.province_zh is null then 'listed in the official division but not a province of ref_provinces'
        when listings.province_zh is null then 'not listed in any region of the official division'
        when listings.times_listed > 1 then 'listed in more than one region of the official division'
        else 'region differs from the official division'
    end as problem
from provinces
full outer join listings
    on provinces.division = listings.division and provinces.province_zh = listings.province_zh
where
    provinces.province_zh is null
    or listings.province_zh is null
    or listings.times_listed > 1
    or provinces.region <> listings.official_region
