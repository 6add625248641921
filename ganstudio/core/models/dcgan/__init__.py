"""dcgan"""
