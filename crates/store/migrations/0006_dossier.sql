-- The dossier famille (R-DOS): each structure's yearly campaign, the fiches a family
-- reviews and transmits in it, their pièces justificatives, and the staff's readings of
-- health data.

CREATE TABLE dossier_campaigns (
    id {{pk}},
    structure_id BIGINT NOT NULL REFERENCES structures (id),
    label TEXT NOT NULL,
    opens_on TEXT NOT NULL,
    closes_on TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX dossier_campaigns_by_structure ON dossier_campaigns (structure_id, opens_on);

-- One fiche per campaign, family, kind and subject ('famille', or 'enfant:<child id>');
-- its values are the fiche's fields by name, as JSON.
CREATE TABLE fiches (
    id {{pk}},
    public_id TEXT NOT NULL UNIQUE,
    campaign_id BIGINT NOT NULL REFERENCES dossier_campaigns (id),
    family_id BIGINT NOT NULL REFERENCES families (id),
    child_id BIGINT REFERENCES children (id),
    subject TEXT NOT NULL,
    kind TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('a_completer', 'brouillon', 'transmise', 'validee', 'refusee')),
    data TEXT NOT NULL,
    refusal_reason TEXT,
    updated_at TEXT NOT NULL,
    transmitted_at TEXT,
    decided_at TEXT,
    decided_by BIGINT REFERENCES staff (id),
    UNIQUE (campaign_id, family_id, kind, subject)
);
CREATE INDEX fiches_by_family ON fiches (family_id, campaign_id);
CREATE INDEX fiches_waiting ON fiches (campaign_id, state, transmitted_at);

CREATE TABLE fiche_files (
    id {{pk}},
    public_id TEXT NOT NULL UNIQUE,
    fiche_id BIGINT NOT NULL REFERENCES fiches (id),
    piece TEXT NOT NULL,
    -- The object's random name in the file store; the family's file name is only shown.
    object_key TEXT NOT NULL UNIQUE,
    file_name TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size_bytes BIGINT NOT NULL,
    uploaded_at TEXT NOT NULL
);
CREATE INDEX fiche_files_by_fiche ON fiche_files (fiche_id, piece);

-- RGPD art. 9: who among the staff read which health data, and when.
CREATE TABLE health_data_reads (
    id {{pk}},
    staff_id BIGINT NOT NULL REFERENCES staff (id),
    fiche_id BIGINT NOT NULL REFERENCES fiches (id),
    file_id BIGINT REFERENCES fiche_files (id),
    read_at TEXT NOT NULL
);
CREATE INDEX health_data_reads_by_fiche ON health_data_reads (fiche_id, read_at);
