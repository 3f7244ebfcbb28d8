"""The platform's vocabulary: goals, specialities, workout types, levels and age bands.

These lists are the single source for the generator. The dbt seeds in ``seeds/`` carry the same
vocabulary for SQL; ``pytests/test_seeds.py`` fails if the two drift apart.
"""

from __future__ import annotations

AGE_GROUPS: list[str] = ["18-25", "26-35", "36-50", "51+"]
FITNESS_LEVELS: list[str] = ["Beginner", "Intermediate", "Advanced"]

# goal -> the canonical trainer speciality that serves it
GOAL_SPECIALITY: dict[str, str] = {
    "weight_loss": "weight_loss",
    "rehab": "rehabilitation",
    "strength": "strength",
    "flexibility": "mobility",
    "endurance": "endurance",
    "posture": "posture",
}
GOALS: list[str] = list(GOAL_SPECIALITY)

SPECIALITIES: list[str] = [
    "weight_loss",
    "rehabilitation",
    "strength",
    "mobility",
    "endurance",
    "posture",
    "prenatal",
    "sports_performance",
]

# How people type each speciality (normalised form: lowercase, single spaces, no hyphens).
SPECIALITY_SYNONYMS: dict[str, list[str]] = {
    "weight_loss": ["weight loss", "fat loss", "weightloss", "slimming"],
    "rehabilitation": ["rehabilitation", "rehab", "injury recovery", "physiotherapy", "physio"],
    "strength": ["strength", "strength training", "weights", "lifting"],
    "mobility": ["mobility", "flexibility", "stretching"],
    "endurance": ["endurance", "cardio", "stamina"],
    "posture": ["posture", "posture correction", "back care"],
    "prenatal": ["prenatal", "pre natal", "pregnancy"],
    "sports_performance": ["sports performance", "athletic performance"],
}

WORKOUT_TYPES: list[str] = [
    "yoga",
    "pilates",
    "hiit",
    "strength",
    "cardio",
    "mobility",
    "rehab",
    "running",
    "cycling",
    "dance",
    "boxing",
    "meditation",
]

# Which workout types a trainer of each speciality tends to publish.
SPECIALITY_TYPES: dict[str, list[str]] = {
    "weight_loss": ["hiit", "cardio", "cycling", "dance", "boxing"],
    "rehabilitation": ["rehab", "mobility", "pilates"],
    "strength": ["strength", "hiit", "boxing"],
    "mobility": ["yoga", "mobility", "pilates"],
    "endurance": ["running", "cycling", "cardio"],
    "posture": ["pilates", "yoga", "mobility"],
    "prenatal": ["yoga", "pilates", "meditation"],
    "sports_performance": ["strength", "running", "hiit"],
}

# Tag pools per workout type (tags are what MMR diversity compares).
TYPE_TAGS: dict[str, list[str]] = {
    "yoga": ["flow", "breathing", "balance", "mat", "stretch", "calm"],
    "pilates": ["core", "mat", "posture", "control", "low impact", "balance"],
    "hiit": ["interval", "fat burn", "full body", "no equipment", "sweat", "explosive"],
    "strength": ["dumbbells", "upper body", "lower body", "full body", "progressive", "core"],
    "cardio": ["fat burn", "heart rate", "no equipment", "sweat", "low impact", "steady"],
    "mobility": ["stretch", "joints", "recovery", "low impact", "hips", "shoulders"],
    "rehab": ["recovery", "knee", "back", "shoulders", "low impact", "joints"],
    "running": ["intervals", "tempo", "endurance", "outdoor", "technique", "steady"],
    "cycling": ["intervals", "endurance", "indoor", "heart rate", "climb", "steady"],
    "dance": ["fun", "rhythm", "fat burn", "full body", "coordination", "sweat"],
    "boxing": ["combat", "upper body", "interval", "explosive", "coordination", "core"],
    "meditation": ["calm", "breathing", "sleep", "focus", "stress", "mindfulness"],
}

EVENT_TYPES: list[str] = ["impression", "click", "video_view", "like"]

# What people can say about a recommended trainer; every type but `helpful` is a complaint.
FEEDBACK_TYPES: list[str] = ["helpful", "not_relevant", "too_expensive", "too_far", "wrong_speciality", "other"]

# The raw tables of the platform's input contract, in the order the generator writes them.
RAW_TABLES: list[str] = [
    "users",
    "trainers",
    "workouts",
    "events",
    "sessions",
    "feedback",
    "bookings",
    "recommendation_feedback",
]
