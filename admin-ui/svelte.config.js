// Svelte 5 strips TypeScript in <script lang="ts"> itself; nothing to preprocess.
export default {};
