# -*- coding: utf-8 -*-
"""Names in Latin-1 (UCS-1), UCS-2 and UCS-4, in a file whose name is UCS-4."""


class Clase_ñ:
    def método(self, park):
        return función(park)


def función(park):
    return 関数(park)


def 関数(park):
    return 𠀀_𪛖(park)


def 𠀀_𪛖(park):
    return park()
