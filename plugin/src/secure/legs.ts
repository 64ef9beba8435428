/** The two legs of secure metrics-server, in the order --apply does them (--leg chooses one). */
export const LEGS = ['kubelet', 'apiservice'] as const;
export type Leg = (typeof LEGS)[number];
