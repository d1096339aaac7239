from school.grading import letter


def test_each_boundary_and_just_below():
    scores = (89, 90, 79, 80, 69, 70)
    assert [letter(s) for s in scores] == ["B", "A", "C", "B", "F", "C"]


def test_perfect_score():
    assert letter(100) == "A"
