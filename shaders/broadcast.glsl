// Index arithmetic of broadcast element-wise kernels. Parameter block:
// p[0] count, p[1] rank, p[2..9] output dims, then BROADCAST_INPUTS groups
// of 8 strides (0 along broadcast dims), starting at p[10].
uint bcast_offset(uint i, uint operand)
{
    uint rank = p[1];
    uint off = 0;
    uint rem = i;
    for (int d = int(rank) - 1; d >= 0; --d) {
        uint dim = p[2 + d];
        uint c = rem % dim;
        rem /= dim;
        off += c * p[10 + operand * 8 + d];
    }
    return off;
}
