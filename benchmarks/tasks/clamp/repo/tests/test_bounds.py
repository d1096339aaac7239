from numeric.bounds import clamp, clamp_all


def test_inside():
    assert clamp(5, 1, 10) == 5


def test_clamp_all():
    assert clamp_all([-3, 4, 99], 0, 10) == [0, 4, 10]
