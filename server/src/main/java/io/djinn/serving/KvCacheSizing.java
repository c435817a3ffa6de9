package io.djinn.serving;

/**
 * How many KV-cache slots to allocate: {@code max-num-seqs}, fewer when the memory budget cannot hold them at the
 * full context. The budget is {@code kv-cache-mib} when set; on a GPU without it, what the device has free after
 * loading the weights, less the share {@code gpu-memory-utilization} leaves to others (as vLLM's setting, a fraction
 * of the whole device) and less the working memory of one step. Pure arithmetic, so it is tested from given figures.
 *
 * @param slots       slots to allocate
 * @param bytes       bytes they take
 * @param budgetBytes the budget they were fitted into, or -1 when there was none (CPU without kv-cache-mib)
 */
public record KvCacheSizing(int slots, long bytes, long budgetBytes) {

    /** No budget: {@code maxSeqs} slots. */
    public static KvCacheSizing unbounded(int maxSeqs, long bytesPerSlot) {
        return new KvCacheSizing(maxSeqs, maxSeqs * bytesPerSlot, -1);
    }

    /**
     * @param what names the setting the budget came from, for the error when not one slot fits
     * @throws IllegalStateException when the budget cannot hold one slot
     */
    public static KvCacheSizing fit(int maxSeqs, long bytesPerSlot, long budgetBytes, String what) {
        long fit = budgetBytes <= 0 ? 0 : budgetBytes / bytesPerSlot;
        if (fit < 1) {
            throw new IllegalStateException(what + " leaves " + Math.max(0, budgetBytes >> 20)
                    + " MiB for the KV cache, which cannot hold one sequence of the full context ("
                    + Math.max(1, bytesPerSlot >> 20) + " MiB); raise it or lower djinn.engine.max-model-len");
        }
        int slots = (int) Math.min(maxSeqs, fit);
        return new KvCacheSizing(slots, slots * bytesPerSlot, budgetBytes);
    }

    /**
     * The KV-cache budget on a GPU: free memory after the weights, less {@code (1 - utilization)} of the whole
     * device, less one step's working memory.
     */
    public static long gpuBudget(long freeBytes, long totalBytes, double utilization, long workspaceBytes) {
        if (!(utilization > 0 && utilization <= 1)) {
            throw new IllegalArgumentException("djinn.engine.gpu-memory-utilization must be in (0, 1], not "
                    + utilization);
        }
        return freeBytes - (long) Math.ceil(totalBytes * (1 - utilization)) - workspaceBytes;
    }
}
