from school.grading import letter


def test_clear_grades():
    assert [letter(s) for s in (95, 85, 75, 10)] == ["A", "B", "C", "F"]


def test_boundary_scores():
    assert [letter(s) for s in (90, 80, 70)] == ["A", "B", "C"]
