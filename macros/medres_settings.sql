{#- The project's settings (dbt vars) as a name -> value mapping, with any --vars overrides: what
    dim_build_settings publishes so every consumer (report, figures, great-expectations gate, BI)
    knows the settings the marts were built with. -#}
{% macro medres_setting_names() %}
    {{ return([
        'medres_year', 'medres_expected_units', 'medres_population_basis',
        'medres_plausibility_bands', 'medres_year_over_year_max_change',
        'medres_rsr_indicators', 'medres_rsr_weighting', 'medres_rsr_grades', 'medres_rsr_fit_rows',
        'medres_rsr_grade_on', 'medres_rsr_alpha', 'medres_rsr_force',
        'medres_cluster_columns', 'medres_cluster_standardize', 'medres_cluster_linkage',
        'medres_cluster_metric', 'medres_cluster_k_min', 'medres_cluster_k_max', 'medres_cluster_k',
        'medres_inequality_resources', 'medres_inequality_groupings',
        'medres_fudan_edition', 'medres_fudan_ranking_size',
    ]) }}
{% endmacro %}
