// @mikro-native/decorators/legacy: the implementation lives in @mikro-native/core.
export * from '@mikro-native/core/decorators/legacy';
