"""Letter grades: 90 and above is an A, 80 and above a B, 70 and above a C, else F."""


def letter(score: int) -> str:
    if score >= 90:
        return "A"
    if score >= 80:
        return "B"
    if score >= 70:
        return "C"
    return "F"
