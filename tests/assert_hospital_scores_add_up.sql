-- Every ranked hospital's printed total equals reputation + research within rounding (0.0015:
-- three printed decimals on each of the three numbers). Rows without scores are not checked.
select edition, hospital_rank, hospital_zh, reputation_score, research_score, total_score
from {{ ref('int_hospital_rankings_located') }}
where
    total_score is not null
    and abs(total_score - (reputation_score + research_score)) > 0.0015
